// The admin's Products tab on the whole saga shop (analytics included): only admins see it and its
// CSV; it shows each product's views, cart adds, orders, revenue and rating by name from the
// roll-ups; its column headings sort it and its links page it; and its stream sends new figures.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { adminOf, aroundToday, figureOf, followFigure } from '../helpers/admin.ts'
import { eventually, unique } from '../helpers/broker.ts'
import { TestBrowser } from '../helpers/browser.ts'
import {
  type SagaShop,
  shopper,
  startSagaShop,
  stockedProduct,
  TEST_CARDS,
  terminal,
} from '../helpers/saga.ts'
import { eventAt } from '../services/analytics/harness.ts'

let shop: SagaShop
let admin: () => Promise<TestBrowser>

beforeAll(async () => {
  shop = await startSagaShop()
  admin = await adminOf(shop)
})

afterAll(() => shop.close())

/** The products of the table, top to bottom. */
const rowsOf = (html: string) => [...html.matchAll(/<tr data-product="([^"]+)">/g)].map((m) => m[1])

const href = (html: string, pattern: RegExp) =>
  html.match(pattern)?.[1]?.replaceAll('&amp;', '&') ?? 'no such link'

describe('admin: products', () => {
  test('only admins see the page, its stream and its CSV', async () => {
    const guest = new TestBrowser(shop.app)
    const page = await guest.request('/admin/products', {}, false)
    expect(page.status).toBe(303)
    expect(page.headers.get('location')).toStartWith('/login?next=')
    // The CSV is the analytics API: no log-in page there, a 403 for anyone but an admin.
    expect((await guest.request('/analytics/products?format=csv', {}, false)).status).toBe(403)
    const customer = await shopper(shop)
    expect((await customer.browser.get('/admin/products')).status).toBe(403)
    expect((await customer.browser.get('/analytics/products?format=csv')).status).toBe(403)
    expect((await customer.browser.get('/live?parts=admin-products:0-86400000')).status).toBe(403)
    const boss = await admin()
    expect((await boss.get('/admin/products')).status).toBe(200)
    expect((await boss.get('/analytics/products?format=csv')).status).toBe(200)
    expect((await boss.get('/admin/products?sort=nonsense')).status).toBe(400)
  })

  test("each product's views, cart adds, orders, revenue by name, with a CSV of the rows", async () => {
    const product = await stockedProduct(shop, 10, 1000)
    const buyer = await shopper(shop)
    await buyer.browser.get(`/products/${product.slug}`)
    await buyer.browser.get(`/products/${product.slug}`)
    await buyer.browser.post('/cart/items', { productId: product.id, quantity: '1' })
    const orderId = await buyer.place(TEST_CARDS.ok, [{ productId: product.id, quantity: 2 }])
    expect((await terminal(buyer.get, orderId)).status).toBe('completed')
    const boss = await admin()
    const row = `<tr data-product="${product.id}"><td>${product.name}</td><td>2</td><td>1</td><td>1</td><td>2</td><td>€20.00</td><td>–</td></tr>`
    const html = await eventually(
      async () => {
        await boss.get(`/admin/products?${aroundToday()}`)
        return boss.lastHtml.includes(row) ? boss.lastHtml : undefined
      },
      20_000,
      'the product in the table',
    )
    const csv = await boss.request(href(html, /href="(\/analytics\/products\?[^"]+)"/))
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    const text = await csv.text()
    expect(text).toStartWith('productId,views,clicks,cartAdds,purchases,orders,units,revenueMinor,')
    expect(text).toMatch(new RegExp(`\\r\\n${product.id},2,0,1,\\d+,1,2,2000,,0\\r\\n`))
  })

  test('column headings sort the table and the pager pages it', async () => {
    // 21 products on a day of their own, long past: product i was viewed i times.
    const day = Date.UTC(2003, 4, 5, 12)
    const base = unique('prod')
    const ids = Array.from({ length: 21 }, (_, i) => `${base}-${String(i + 1).padStart(2, '0')}`)
    await shop.platform.bus.publish(
      ids.flatMap((productId, i) =>
        Array.from({ length: i + 1 }, () =>
          eventAt('product.viewed', { userId: unique('u'), productId, metadata: {} }, day),
        ),
      ),
    )
    const boss = await admin()
    const mostViewed = [...ids].reverse()
    const first = await eventually(
      async () => {
        await boss.get('/admin/products?from=2003-05-05&to=2003-05-05')
        return figureOf(boss.lastHtml, 'products') === '21' &&
          boss.lastHtml.includes(`<tr data-product="${ids[20]}"><td>${ids[20]}</td><td>21</td>`)
          ? boss.lastHtml
          : undefined
      },
      20_000,
      'the 21 products counted',
    )
    // Most viewed first, 20 to a page; the sorted heading says so.
    expect(rowsOf(first)).toEqual(mostViewed.slice(0, 20))
    expect(first).toContain(
      'aria-sort="descending"><a href="/admin/products?from=2003-05-05&amp;to=2003-05-05&amp;sort=views&amp;dir=asc&amp;page=1">Views</a>',
    )
    expect(first).toContain('Page 1 of 2')
    await boss.get(href(first, /rel="next" href="([^"]+)"/))
    expect(rowsOf(boss.lastHtml)).toEqual(mostViewed.slice(20))
    expect(boss.lastHtml).toContain('rel="prev"')
    // The Views heading again: least viewed first.
    await boss.get(href(first, /href="([^"]+)">Views</))
    expect(rowsOf(boss.lastHtml)).toEqual(ids.slice(0, 20))
    expect(boss.lastHtml).toContain('aria-sort="ascending"')
    // By product, from the last: the same order as by views here, reversed in ids.
    await boss.get('/admin/products?from=2003-05-05&to=2003-05-05&sort=productId&dir=desc')
    expect(rowsOf(boss.lastHtml)).toEqual(mostViewed.slice(0, 20))
  })

  test("the page's stream sends new figures when another product is viewed", async () => {
    const boss = await admin()
    await boss.get(`/admin/products?${aroundToday()}`)
    const live = await followFigure(boss, 'admin-products', 'products')
    await live.until((v) => v.length > 0)
    const before = live.values().at(-1) ?? 0
    const product = await stockedProduct(shop, 5)
    const visitor = new TestBrowser(shop.app)
    await visitor.get(`/products/${product.slug}`)
    await live.until((v) => (v.at(-1) ?? 0) > before)
    await live.close()
    expect(live.values().at(-1)).toBe(before + 1)
  })
})
