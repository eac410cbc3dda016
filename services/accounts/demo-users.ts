import { eq } from 'drizzle-orm'
import type { Config } from '../../shared/config/index.ts'
import type { Db } from '../../shared/db/client.ts'
import { ensureAdmin, registerUser } from './accounts.ts'
import { users } from './schema.ts'
import { demoAdmin } from './settings.ts'

/** Demo shoppers for development; their password is the same for all, and documented in the README. */
export const DEMO_SHOPPERS = [
  { email: 'ada@streamshop.test', name: 'Ada' },
  { email: 'grace@streamshop.test', name: 'Grace' },
  { email: 'linus@streamshop.test', name: 'Linus' },
]
export const DEMO_SHOPPER_PASSWORD = 'streamshop-shopper'

/** The admin (see `demoAdmin`) and, outside production, the demo shoppers. Idempotent. */
export async function seedAccounts(db: Db, config: Config): Promise<number> {
  let created = 0
  const admin = demoAdmin(config)
  if (admin) await ensureAdmin(db, admin)
  if (config.NODE_ENV === 'production') return created
  for (const shopper of DEMO_SHOPPERS) {
    const [existing] = await db
      .select({ id: users.id })
      .from(users)
      .where(eq(users.email, shopper.email))
    if (existing) continue
    await registerUser(db, { ...shopper, password: DEMO_SHOPPER_PASSWORD })
    created++
  }
  return created
}
