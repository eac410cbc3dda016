// The admin's Orders tab on the whole saga shop: only admins see it; today's orders, revenue,
// average order and top sellers (by name) from the analytics roll-ups; a CSV link to the same
// figures; and its stream sending them again when another order completes.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { adminOf, aroundToday, followFigure } from '../helpers/admin.ts'
import { eventually } from '../helpers/broker.ts'
import type { TestBrowser } from '../helpers/browser.ts'
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

const figure = (html: string, id: string) =>
  html.match(new RegExp(`data-figure="${id}"><dt>[^<]*</dt><dd>([^<]*)</dd>`))?.[1]

describe('admin: orders', () => {
  test('only admins see it', async () => {
    const customer = await shopper(shop)
    expect((await customer.browser.get('/admin/orders')).status).toBe(403)
    expect((await customer.browser.get('/live?parts=admin-orders:0-86400000')).status).toBe(403)
  })

  test("today's orders, revenue, average order and top sellers by name, with a CSV link", async () => {
    const product = await stockedProduct(shop, 10, 1000)
    const buyer = await shopper(shop)
    const done = await buyer.place(TEST_CARDS.ok, [{ productId: product.id, quantity: 2 }])
    const declined = await buyer.place(TEST_CARDS.declined, [
      { productId: product.id, quantity: 1 },
    ])
    await terminal(buyer.get, done)
    await terminal(buyer.get, declined)
    const boss = await admin()
    const html = await eventually(
      async () => {
        await boss.get('/admin/orders')
        return figure(boss.lastHtml, 'cancelled') === '1' &&
          figure(boss.lastHtml, 'completed') === '1'
          ? boss.lastHtml
          : undefined
      },
      20_000,
      'the two orders in the figures',
    )
    expect(figure(html, 'placed')).toBe('2')
    expect(figure(html, 'revenue')).toBe('€20.00')
    expect(figure(html, 'aov')).toBe('€20.00')
    expect(html).toContain(`<tr data-product="${product.id}"><td>${product.name}</td><td>2</td>`)
    const link = html.match(/href="(\/analytics\/orders\?[^"]+)"/)?.[1]?.replaceAll('&amp;', '&')
    const csv = await boss.request(link ?? '')
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(await csv.text()).toContain('\r\ncompleted,1\r\n')
  })

  test("the page's stream sends the figures again when another order completes", async () => {
    const boss = await admin()
    await boss.get(`/admin/orders?${aroundToday()}`)
    const live = await followFigure(boss, 'admin-orders', 'completed')
    await live.until((v) => v.length > 0)
    const before = live.values().at(-1) ?? 0
    const product = await stockedProduct(shop, 5)
    const buyer = await shopper(shop)
    await terminal(
      buyer.get,
      await buyer.place(TEST_CARDS.ok, [{ productId: product.id, quantity: 1 }]),
    )
    await live.until((v) => (v.at(-1) ?? 0) > before)
    await live.close()
    expect(live.values().at(-1)).toBe(before + 1)
  })
})
