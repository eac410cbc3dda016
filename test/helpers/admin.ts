// An admin for the tests of admin pages and APIs: the account on the shop, and browsers signed in
// as it.
import { ensureAdmin } from '../../services/accounts/accounts.ts'
import { unique } from './broker.ts'
import { TestBrowser } from './browser.ts'
import type { TestShop } from './shop.ts'

/** Creates an admin account on the shop; returns how to get a browser signed in as it. */
export async function adminOf(shop: TestShop): Promise<() => Promise<TestBrowser>> {
  const account = { email: `${unique('admin')}@example.test`, password: 'admin-password-123' }
  await ensureAdmin(shop.platform.database.db, account)
  return async () => {
    const browser = new TestBrowser(shop.app)
    await browser.get('/login')
    await browser.post('/login', account)
    return browser
  }
}

/** The UTC date `offset` days from today, as the date filters take it (YYYY-MM-DD). */
export function utcDay(offset: number): string {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)
}

/** Yesterday to tomorrow: today's figures, even in a run that crosses midnight (UTC). */
export function aroundToday(): string {
  return `from=${utcDay(-1)}&to=${utcDay(1)}`
}
