// The admin's Overview on the whole saga shop (analytics included): only admins see it, it shows
// the range's revenue and orders from the analytics roll-ups, today's row in the last 30 days and
// the latest orders, and its stream sends the figures again when an order completes.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { adminOf, aroundToday, figureOf, followFigure, utcDay } from '../helpers/admin.ts'
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

describe('admin: overview', () => {
  test('only admins see it; /admin leads to it', async () => {
    const guest = new TestBrowser(shop.app)
    expect((await guest.request('/admin/overview', {}, false)).status).toBe(303)
    const customer = await shopper(shop)
    expect((await customer.browser.get('/admin/overview')).status).toBe(403)
    expect((await customer.browser.get('/live?parts=admin-overview:0-86400000')).status).toBe(403)
    const boss = await admin()
    const root = await boss.request('/admin', {}, false)
    expect(root.headers.get('location')).toBe('/admin/overview')
  })

  test('shows revenue and orders from the roll-ups, today in the last 30 days, and the latest orders', async () => {
    const product = await stockedProduct(shop, 10, 2500)
    const buyer = await shopper(shop)
    const orderId = await buyer.place(TEST_CARDS.ok, [{ productId: product.id, quantity: 2 }])
    expect((await terminal(buyer.get, orderId)).status).toBe('completed')
    const boss = await admin()
    const html = await eventually(
      async () => {
        await boss.get(`/admin/overview?${aroundToday()}`)
        return boss.lastHtml.includes(`data-order="${orderId}" data-status="completed"`)
          ? boss.lastHtml
          : undefined
      },
      20_000,
      'the completed order in the overview',
    )
    expect(figureOf(html, 'revenue')).toBe('€50.00')
    expect(figureOf(html, 'completed')).toBe('1')
    expect(html).toMatch(
      new RegExp(
        `<tr data-day="${utcDay(0)}"><td>${utcDay(0)}</td><td>€50.00</td><td>1</td><td>1</td>`,
      ),
    )
    expect((await boss.get('/admin/overview?from=2026-13-01')).status).toBe(400)
  })

  test("the page's stream sends new figures when another order completes", async () => {
    const boss = await admin()
    await boss.get(`/admin/overview?${aroundToday()}`)
    const live = await followFigure(boss, 'admin-overview', 'completed')
    await live.until((v) => v.length > 0)
    const before = live.values().at(-1) ?? 0
    const product = await stockedProduct(shop, 5)
    const buyer = await shopper(shop)
    const orderId = await buyer.place(TEST_CARDS.ok, [{ productId: product.id, quantity: 1 }])
    await terminal(buyer.get, orderId)
    await live.until((v) => (v.at(-1) ?? 0) > before)
    await live.close()
    expect(live.values().at(-1)).toBe(before + 1)
  })
})

/** Reads `/live?parts=<part>` for `ms` and returns its data messages. */
async function messagesOf(browser: TestBrowser, part: string, ms: number): Promise<string[]> {
  const abort = new AbortController()
  const res = await browser.request(`/live?parts=${encodeURIComponent(part)}`, {
    signal: abort.signal,
  })
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let text = ''
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const next = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now())])
    if (!next || next.done) break
    text += decoder.decode(next.value, { stream: true })
  }
  abort.abort()
  await reader.cancel().catch(() => {})
  return text.split('\n\n').filter((m) => m.includes('data: '))
}

describe('admin: overview, live', () => {
  test('the figures are sent again only when they change; the events chart moves every second', async () => {
    const boss = await admin()
    await boss.get(`/admin/overview?${aroundToday()}`)
    const figuresPart = decodeURIComponent(
      boss.lastHtml.match(/parts=(admin-overview%3A[^"&%]+)/)?.[1] ?? '',
    )
    expect(boss.lastHtml).toContain('admin-events-chart')
    // Nothing happening (the admin's own log-in rolled up first, clear of a minute's turn when
    // "active in the last 5 minutes" moves on its own): the figures once, on connect, while the
    // chart's window moves every second. Before, the figures went out every second too.
    let figures: string[] = []
    let chart: string[] = []
    for (let attempt = 0; attempt < 4 && figures.length !== 1; attempt++) {
      if (new Date().getUTCSeconds() > 50) await Bun.sleep((61 - new Date().getUTCSeconds()) * 1000)
      ;[figures, chart] = await Promise.all([
        messagesOf(boss, figuresPart, 3500),
        messagesOf(boss, 'admin-events-chart', 3500),
      ])
    }
    expect(figures).toHaveLength(1)
    expect(figures[0]).toContain('data-figure="revenue"')
    // The figures alone: the charts and the 30-day table are parts of their own.
    expect(figures[0]).not.toContain('events-chart')
    expect(figures[0]).not.toContain('overview-trend')
    expect(boss.lastHtml).toContain('admin-overview-history')
    expect(chart.length).toBeGreaterThanOrEqual(3)
    // A point a second, sent as its start and step rather than 1,800 times.
    const spec = chart[0]?.match(/data-chart="([^"]*)"/)?.[1]?.replaceAll('&quot;', '"')
    const parsed = JSON.parse(spec ?? '{}') as { dx?: number; n?: number; x?: number[] }
    expect(parsed.dx).toBe(1)
    expect(parsed.n).toBeGreaterThanOrEqual(1800)
    expect(parsed.x).toBeUndefined()
  })
})
