// The admin's Sagas tab on real sagas: only admins see it (guests log in first, customers get a
// 403), it counts the range's sagas by progress with their reasons, lists them, shows one saga's
// timeline, pushes its figures over the page's stream as they change, and each visit is an
// analytics event.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { outbox } from '../../shared/bus/schema.ts'
import { adminOf, aroundToday } from '../helpers/admin.ts'
import { eventually } from '../helpers/broker.ts'
import { TestBrowser } from '../helpers/browser.ts'
import {
  type SagaShop,
  shopper,
  startSagaShop,
  stockedProduct,
  TEST_CARDS,
  terminal,
} from '../helpers/saga.ts'

let shop: SagaShop
let admin: () => Promise<TestBrowser>

beforeAll(async () => {
  shop = await startSagaShop()
  admin = await adminOf(shop)
})

afterAll(() => shop.close())

describe('admin: sagas', () => {
  test('guests are sent to log in, customers get a 403, and nothing of the page shows', async () => {
    const guest = new TestBrowser(shop.app)
    const redirected = await guest.request('/admin/sagas?from=2026-01-01', {}, false)
    expect(redirected.status).toBe(303)
    expect(redirected.headers.get('location')).toBe(
      `/login?next=${encodeURIComponent('/admin/sagas?from=2026-01-01')}`,
    )
    const customer = await shopper(shop)
    const refused = await customer.browser.get('/admin/sagas')
    expect(refused.status).toBe(403)
    expect(customer.browser.lastHtml).not.toContain('admin-sagas-summary')
    expect((await customer.browser.get('/live?parts=admin-sagas:0-1')).status).toBe(403)
  })

  test('counts the range by progress with reasons, lists the sagas, and shows a timeline', async () => {
    const product = await stockedProduct(shop, 10)
    const buyer = await shopper(shop)
    const line = [{ productId: product.id, quantity: 1 }]
    const done = await buyer.place(TEST_CARDS.ok, line)
    const declined = await buyer.place(TEST_CARDS.declined, line)
    await terminal(buyer.get, done)
    await terminal(buyer.get, declined)

    const boss = await admin()
    const page = await boss.get(`/admin/sagas?${aroundToday()}`)
    expect(page.status).toBe(200)
    const html = boss.lastHtml
    const count = (progress: string) =>
      Number(html.match(new RegExp(`data-progress="${progress}"><dt>.*?<dd>(\\d+)</dd>`))?.[1])
    expect(count('completed')).toBeGreaterThanOrEqual(1)
    expect(count('failed')).toBeGreaterThanOrEqual(1)
    expect(html).toMatch(/<td>card_declined<\/td><td>\d+<\/td>/)
    expect(html).toContain(`data-order="${done}" data-progress="completed"`)
    expect(html).toContain(`data-order="${declined}" data-progress="failed"`)

    const failedOnly = await boss.get(`/admin/sagas?progress=failed&${aroundToday()}`)
    expect(failedOnly.status).toBe(200)
    expect(boss.lastHtml).toContain(`data-order="${declined}"`)
    expect(boss.lastHtml).not.toContain(`data-order="${done}"`)

    await boss.get(`/admin/sagas/${done}`)
    expect(boss.lastHtml).toContain('data-step="capture_payment" data-outcome="succeeded"')
    expect(boss.lastHtml).toContain('data-step="completed" data-outcome="succeeded"')
    expect((await boss.get('/admin/sagas/no-such-order')).status).toBe(404)

    // Each admin page seen is an analytics event naming the page and the admin by a keyed hash.
    const visits = await shop.platform.database.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.type, 'admin_dashboard.accessed'), eq(outbox.topic, 'analytics-events')))
    const pages = visits.map((v) => JSON.parse(v.data) as { page: string; userId: string })
    expect(pages.map((p) => p.page)).toContain(`/admin/sagas/${done}`)
    expect(pages.every((p) => p.userId.startsWith('p_'))).toBe(true)
  })

  test('a bad range or filter is a 400 naming it', async () => {
    const boss = await admin()
    expect((await boss.get('/admin/sagas?from=yesterday')).status).toBe(400)
    expect((await boss.get('/admin/sagas?from=2026-02-10&to=2026-02-01')).status).toBe(400)
    expect((await boss.get('/admin/sagas?progress=lost')).status).toBe(400)
    // A date that does not exist is not quietly another one.
    expect((await boss.get('/admin/sagas?from=2026-02-30')).status).toBe(400)
    expect((await boss.get('/admin/sagas?from=2024-01-01&to=2026-01-01')).status).toBe(400)
    for (const part of ['admin-sagas:x-y', 'admin-sagas:0-9007199254740991', 'admin-sagas:5-1'])
      expect((await boss.get(`/live?parts=${part}`)).status, part).toBe(400)
  })

  test("the page's stream sends the figures again when a saga ends", async () => {
    const boss = await admin()
    await boss.get(`/admin/sagas?${aroundToday()}`)
    const part = boss.lastHtml.match(/parts=(admin-sagas%3A\d+-\d+)/)?.[1]
    expect(part).toBeDefined()
    const abort = new AbortController()
    const res = await boss.request(`/live?parts=${part}`, { signal: abort.signal })
    expect(res.status).toBe(200)
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    let text = ''
    const read = async (until: (t: string) => boolean) => {
      while (!until(text)) {
        const { value, done } = await reader.read()
        if (done) break
        text += new TextDecoder().decode(value)
      }
    }
    await read((t) => t.includes('admin-sagas-summary'))
    const completedIn = (t: string) =>
      [...t.matchAll(/data-progress="completed"><dt>.*?<dd>(\d+)<\/dd>/g)].map((m) => Number(m[1]))
    const before = completedIn(text).at(-1) ?? 0
    const product = await stockedProduct(shop, 5)
    const buyer = await shopper(shop)
    const orderId = await buyer.place(TEST_CARDS.ok, [{ productId: product.id, quantity: 1 }])
    await terminal(buyer.get, orderId)
    await eventually(
      async () => {
        await read((t) => (completedIn(t).at(-1) ?? 0) > before)
        return (completedIn(text).at(-1) ?? 0) > before
      },
      15_000,
      'the new figures',
    )
    abort.abort()
    await reader.cancel().catch(() => {})
    expect(completedIn(text).at(-1)).toBe(before + 1)
  })
})
