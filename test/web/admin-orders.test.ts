// The admin's Orders tab on the whole saga shop: only admins see it; today's orders, revenue,
// average order and top sellers (by name) from the analytics roll-ups; a CSV link to the same
// figures; and its stream sending them again when another order completes.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { adminOf, aroundToday, figureOf, followFigure, utcDay } from '../helpers/admin.ts'
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

/** The previous period's value of a figure, when the page compares. */
const previousOf = (html: string, id: string) =>
  html.match(
    new RegExp(
      `data-figure="${id}"><dt>[^<]*</dt><dd>[^<]*</dd><dd class="change" data-previous="([^"]*)"`,
    ),
  )?.[1]

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
        return figureOf(boss.lastHtml, 'cancelled') === '1' &&
          figureOf(boss.lastHtml, 'completed') === '1'
          ? boss.lastHtml
          : undefined
      },
      20_000,
      'the two orders in the figures',
    )
    expect(figureOf(html, 'placed')).toBe('2')
    expect(figureOf(html, 'revenue')).toBe('€20.00')
    expect(figureOf(html, 'aov')).toBe('€20.00')
    expect(html).toContain(`<tr data-product="${product.id}"><td>${product.name}</td><td>2</td>`)
    const link = html.match(/href="(\/analytics\/orders\?[^"]+)"/)?.[1]?.replaceAll('&amp;', '&')
    const csv = await boss.request(link ?? '')
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(await csv.text()).toContain('\r\ncompleted,1\r\n')
  })

  test('compared with the previous period, each figure shows what it was, on the page and live', async () => {
    const boss = await admin()
    const [today, tomorrow] = [utcDay(0), utcDay(1)]
    await boss.get(`/admin/orders?from=${today}&to=${today}`)
    const placedToday = figureOf(boss.lastHtml, 'placed')
    expect(Number(placedToday)).toBeGreaterThan(0)
    expect(boss.lastHtml).not.toContain('data-previous')
    expect(boss.lastHtml).toContain('name="compare" value="1"')
    expect(boss.lastHtml).not.toContain('checked')
    // Tomorrow against today: nothing yet, against what today has.
    await boss.get(`/admin/orders?from=${tomorrow}&to=${tomorrow}&compare=1`)
    expect(figureOf(boss.lastHtml, 'placed')).toBe('0')
    expect(previousOf(boss.lastHtml, 'placed')).toBe(placedToday)
    expect(boss.lastHtml).toMatch(/name="compare" value="1" checked/)
    const live = await followFigure(boss, 'admin-orders', 'placed')
    await live.until((v) => v.length > 0)
    await live.close()
    expect(previousOf(live.text(), 'placed')).toBe(placedToday)
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
