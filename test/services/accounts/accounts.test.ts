import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { ensureAdmin, usersPerRole } from '../../../services/accounts/accounts.ts'
import { requireRole } from '../../../services/accounts/identity.ts'
import { users } from '../../../services/accounts/schema.ts'
import { sessionSecret } from '../../../services/accounts/settings.ts'
import { outbox } from '../../../shared/bus/schema.ts'
import { MACHINE_PATHS } from '../../../web/app.tsx'
import { unique } from '../../helpers/broker.ts'
import { TestBrowser } from '../../helpers/browser.ts'
import { startTestShop, type TestShop } from '../../helpers/shop.ts'

let shop: TestShop

beforeAll(async () => {
  shop = await startTestShop({ AUTH_RATE_LIMIT_PER_MIN: '1000' })
  // Routes can only be added before the first request.
  shop.app.get('/test-admin-only', requireRole('admin'), (c) => c.text('secret'))
})

afterAll(() => shop.close())

async function register(browser: TestBrowser, name = 'Ada Lovelace') {
  const email = `${unique('ada')}@example.test`
  await browser.get('/register')
  const res = await browser.post('/register', { name, email, password: 'correct horse battery' })
  return { res, email }
}

describe('accounts', () => {
  test('registering signs the shopper in with an HttpOnly SameSite session and records the events', async () => {
    const browser = new TestBrowser(shop.app)
    await browser.get('/')
    const guest = browser.cookies.get('ss_guest')
    const { res, email } = await register(browser)
    expect(res.status).toBe(303)
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('ss_session='))
    expect(cookie).toMatch(/HttpOnly/i)
    expect(cookie).toMatch(/SameSite=Lax/i)
    expect(await (await browser.get('/')).text()).toContain('Welcome back, Ada Lovelace')
    const [user] = await shop.platform.database.db
      .select()
      .from(users)
      .where(eq(users.email, email))
    expect(user?.passwordHash).toStartWith('$argon2')
    const events = await shop.platform.database.db
      .select()
      .from(outbox)
      // Their account's events (the home page they land on also records an A/B exposure).
      .where(and(eq(outbox.key, user?.id ?? ''), eq(outbox.topic, 'user-events')))
    expect(events.map((e) => e.type)).toEqual(['user.registered', 'user.logged_in'])
    expect(JSON.parse(events[1]?.data ?? '{}').metadata.guestId).toBe(
      decodeURIComponent(guest ?? '').split('.')[0],
    )
  })

  test('log-in rotates the session: the token from before no longer works', async () => {
    const browser = new TestBrowser(shop.app)
    const { email } = await register(browser)
    const before = browser.cookies.get('ss_session')
    await browser.post('/login', { email, password: 'correct horse battery' })
    const after = browser.cookies.get('ss_session')
    expect(after).toBeDefined()
    expect(after).not.toBe(before)
    const stale = new TestBrowser(shop.app)
    stale.cookies.set('ss_session', before ?? '')
    expect(await (await stale.get('/')).text()).not.toContain('Welcome back')
  })

  test('a wrong password gets the form back with a message, and an audit event naming that account by a keyed hash', async () => {
    const browser = new TestBrowser(shop.app)
    const { email } = await register(browser)
    await browser.post('/logout', {})
    await browser.get('/login')
    const res = await browser.post('/login', { email, password: 'not the password' })
    expect(res.status).toBe(401)
    expect(await res.text()).toContain('do not match an account')
    // The audit trail keys a failed log-in by a hash of the email keyed with the shop's secret:
    // this account's failure is found by it, and the email itself is nowhere in the event.
    const subject = new Bun.CryptoHasher('sha256', sessionSecret(shop.platform.config))
      .update(email.toLowerCase())
      .digest('hex')
      .slice(0, 32)
    const audit = await shop.platform.database.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.type, 'user.login_failed'), eq(outbox.key, subject)))
    expect(audit).toHaveLength(1)
    expect(audit[0]?.topic).toBe('audit-events')
    expect(JSON.parse(audit[0]?.data ?? '{}')).toMatchObject({
      subject,
      reason: 'invalid credentials',
    })
    expect(audit[0]?.data).not.toContain(email)
  })

  test('a tampered session or guest cookie is treated as a new guest', async () => {
    const browser = new TestBrowser(shop.app)
    await register(browser)
    const session = browser.cookies.get('ss_session') ?? ''
    const guest = browser.cookies.get('ss_guest') ?? ''
    const forged = new TestBrowser(shop.app)
    forged.cookies.set(
      'ss_session',
      session.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A')),
    )
    forged.cookies.set('ss_guest', guest.replace('g_', 'g_f'))
    const page = await (await forged.get('/')).text()
    expect(page).not.toContain('Welcome back')
    expect(forged.cookies.get('ss_guest')).not.toBe(guest)
  })

  test('log-out ends the session and gives the browser a new guest id', async () => {
    const browser = new TestBrowser(shop.app)
    await register(browser)
    const session = browser.cookies.get('ss_session') ?? ''
    const guest = browser.cookies.get('ss_guest')
    const res = await browser.post('/logout', {})
    expect(res.status).toBe(303)
    expect(browser.cookies.get('ss_guest')).not.toBe(guest)
    const replay = new TestBrowser(shop.app)
    replay.cookies.set('ss_session', session)
    expect(await (await replay.get('/')).text()).not.toContain('Welcome back')
  })

  test('counts accounts per role, every role listed', async () => {
    const { db } = shop.platform.database
    const before = await usersPerRole(db)
    await register(new TestBrowser(shop.app))
    await register(new TestBrowser(shop.app))
    await ensureAdmin(db, {
      email: `${unique('boss')}@example.test`,
      password: 'admin-password-123',
    })
    expect(await usersPerRole(db)).toEqual({
      customer: before.customer + 2,
      admin: before.admin + 1,
    })
  })

  test('next never leaves the site', async () => {
    const browser = new TestBrowser(shop.app)
    const email = `${unique('next')}@example.test`
    await browser.get('/register')
    const res = await browser.post('/register?next=//evil.example/x', {
      name: 'N',
      email,
      password: 'correct horse battery',
    })
    expect(res.headers.get('location')).toBe('/')
  })

  test('names are escaped in pages', async () => {
    const browser = new TestBrowser(shop.app)
    await register(browser, '<script>alert(1)</script>')
    const html = await (await browser.get('/')).text()
    expect(html).not.toContain('<script>alert(1)</script>')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
  })
})

describe('security', () => {
  test('every unsafe route refuses a request without a CSRF token with 403 and changes nothing', async () => {
    const unsafe = shop.app.routes.filter(
      (r) =>
        ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) && !MACHINE_PATHS.includes(r.path),
    )
    expect(unsafe.length).toBeGreaterThan(2)
    const email = `${unique('csrf')}@example.test`
    for (const route of unsafe) {
      const browser = new TestBrowser(shop.app)
      await browser.get('/register')
      const path = route.path.replaceAll(/:(\w+)/g, 'x')
      const res = await browser.post(
        path,
        { name: 'Mallory', email, password: 'correct horse battery' },
        { csrf: false },
      )
      expect({ route: `${route.method} ${route.path}`, status: res.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 403,
      })
      const forged = await browser.post(
        path,
        { name: 'Mallory', email, password: 'correct horse battery', _csrf: 'forged' },
        { csrf: false },
      )
      expect(forged.status).toBe(403)
    }
    expect(
      await shop.platform.database.db.select().from(users).where(eq(users.email, email)),
    ).toHaveLength(0)
  })

  test('a token from one visitor does not work for another', async () => {
    const alice = new TestBrowser(shop.app)
    await alice.get('/register')
    const bob = new TestBrowser(shop.app)
    await bob.get('/register')
    const email = `${unique('swap')}@example.test`
    const res = await bob.post(
      '/register',
      { name: 'Bob', email, password: 'correct horse battery', _csrf: alice.csrfToken() },
      { csrf: false },
    )
    expect(res.status).toBe(403)
  })

  test('admin routes need the admin role: 403 for guests and customers', async () => {
    const guest = new TestBrowser(shop.app)
    expect((await guest.get('/test-admin-only')).status).toBe(403)
    const customer = new TestBrowser(shop.app)
    await register(customer)
    const denied = await customer.get('/test-admin-only')
    expect(denied.status).toBe(403)
    expect(await denied.text()).not.toContain('secret')
    await ensureAdmin(shop.platform.database.db, {
      email: 'root@example.test',
      password: 'admin-password-123',
    })
    const admin = new TestBrowser(shop.app)
    await admin.get('/login')
    await admin.post('/login', { email: 'root@example.test', password: 'admin-password-123' })
    expect(await (await admin.get('/test-admin-only')).text()).toBe('secret')
  })

  test('log-in is rate limited per client', async () => {
    const limited = await startTestShop({ AUTH_RATE_LIMIT_PER_MIN: '3' })
    try {
      const browser = new TestBrowser(limited.app)
      await browser.get('/login')
      const _csrf = browser.csrfToken()
      const statuses: number[] = []
      for (let i = 0; i < 5; i++) {
        const form = { email: 'x@example.test', password: 'nope', _csrf }
        statuses.push((await browser.post('/login', form, { csrf: false })).status)
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429])
    } finally {
      await limited.close()
    }
  })

  test('unknown pages get the HTML 404 page; the API gets problem+json', async () => {
    const browser = new TestBrowser(shop.app)
    const page = await browser.get('/no-such-page')
    expect(page.status).toBe(404)
    expect(await page.text()).toContain('Page not found')
    const api = await shop.app.request('/api/no-such-thing')
    expect(api.status).toBe(404)
    expect(api.headers.get('content-type')).toContain('application/problem+json')
  })
})
