// Audit of admin changes: each change an admin makes through the API or the admin pages is an
// `admin.changed` event on audit-events (who, what, how it ended); reads and refused requests are not.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq, gt } from 'drizzle-orm'
import { ensureAdmin } from '../../../services/accounts/accounts.ts'
import { users } from '../../../services/accounts/schema.ts'
import { outbox } from '../../../shared/bus/schema.ts'
import { unique } from '../../helpers/broker.ts'
import { TestBrowser } from '../../helpers/browser.ts'
import { startTestShop, type TestShop } from '../../helpers/shop.ts'

let shop: TestShop
let admin: TestBrowser
let adminId: string

beforeAll(async () => {
  shop = await startTestShop()
  const email = `audit-boss-${Date.now()}@example.test`
  const db = shop.platform.database.db
  await ensureAdmin(db, { email, password: 'admin-password-123' })
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, email))
  adminId = user?.id ?? ''
  admin = new TestBrowser(shop.app)
  await admin.get('/login')
  await admin.post('/login', { email, password: 'admin-password-123' })
})

afterAll(() => shop.close())

/** The audit events of admin changes recorded after outbox position `after`. */
async function auditedSince(after: number): Promise<Record<string, unknown>[]> {
  const rows = await shop.platform.database.db
    .select({ type: outbox.type, key: outbox.key, data: outbox.data, seq: outbox.seq })
    .from(outbox)
    .where(and(eq(outbox.type, 'admin.changed'), gt(outbox.seq, after)))
  return rows.map((r) => ({
    key: r.key,
    ...(JSON.parse(String(r.data)) as Record<string, unknown>),
  }))
}

async function lastSeq(): Promise<number> {
  const rows = await shop.platform.database.db.select({ seq: outbox.seq }).from(outbox)
  return Math.max(0, ...rows.map((r) => Number(r.seq)))
}

describe('auditing admin changes', () => {
  test("an admin's change is an admin.changed event naming the admin, the request and its status", async () => {
    const after = await lastSeq()
    const code = unique('audit')
      .replaceAll(/[^A-Za-z0-9]/g, '')
      .slice(-20)
    const created = await admin.json('POST', '/api/admin/promotions', {
      code,
      kind: 'percent',
      value: 10,
      endsAt: new Date(Date.now() + 86_400_000).toISOString(),
    })
    expect(created.status).toBe(201)
    const upper = code.toUpperCase()
    const changed = await admin.json('PATCH', `/api/admin/promotions/${upper}`, { active: false })
    expect(changed.status).toBe(200)
    expect(await auditedSince(after)).toEqual([
      {
        key: adminId,
        subject: adminId,
        action: 'POST /api/admin/promotions',
        status: 201,
        metadata: {},
      },
      {
        key: adminId,
        subject: adminId,
        action: `PATCH /api/admin/promotions/${upper}`,
        status: 200,
        metadata: {},
      },
    ])
  })

  test('reads, refused requests and shoppers record nothing', async () => {
    const after = await lastSeq()
    expect((await admin.json('GET', '/api/admin/promotions')).status).toBe(200)
    // Invalid: nothing changed.
    expect((await admin.json('POST', '/api/admin/promotions', { code: '' })).status).toBe(400)
    const shopper = new TestBrowser(shop.app)
    await shopper.get('/')
    const refused = await shopper.json('POST', '/api/admin/promotions', { code: 'NOPE' })
    expect(refused.status).toBe(403)
    expect(await auditedSince(after)).toEqual([])
  })
})
