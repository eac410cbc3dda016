// The admin's Users tab on the shop with analytics: only admins see it; new and active users of
// the range, growth over 7 and 30 days, accounts per role; and its stream sending new figures when
// someone registers.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { adminOf, aroundToday, figureOf, followFigure } from '../helpers/admin.ts'
import { eventually } from '../helpers/broker.ts'
import type { TestBrowser } from '../helpers/browser.ts'
import { type SagaShop, shopper, startSagaShop } from '../helpers/saga.ts'

let shop: SagaShop
let admin: () => Promise<TestBrowser>

beforeAll(async () => {
  shop = await startSagaShop()
  admin = await adminOf(shop)
})

afterAll(() => shop.close())

const figure = (html: string, id: string) => Number(figureOf(html, id))

describe('admin: users', () => {
  test('only admins see it', async () => {
    const customer = await shopper(shop)
    expect((await customer.browser.get('/admin/users')).status).toBe(403)
    expect((await customer.browser.get('/live?parts=admin-users:0-86400000')).status).toBe(403)
  })

  test('new and active users, growth and accounts per role', async () => {
    await shopper(shop)
    await shopper(shop)
    const boss = await admin()
    const html = await eventually(
      async () => {
        await boss.get(`/admin/users?${aroundToday()}`)
        return figure(boss.lastHtml, 'registered') >= 3 ? boss.lastHtml : undefined
      },
      20_000,
      'the registrations counted',
    )
    // This file's shoppers registered today: the three days around today and the last 7 and 30
    // days hold them all.
    const registered = figure(html, 'registered')
    expect(figure(html, 'growth7')).toBe(registered)
    expect(figure(html, 'growth30')).toBe(registered)
    expect(html).toMatch(/<tr data-role="admin"><td>admin<\/td><td>1<\/td><\/tr>/)
    // Everyone registered here: the shoppers, and the admin (ensureAdmin registers it too).
    expect(html).toMatch(
      new RegExp(`<tr data-role="customer"><td>customer</td><td>${registered - 1}</td>`),
    )
    expect(html).toContain('id="growth-chart"')
  })

  test("the page's stream sends new figures when someone registers", async () => {
    const boss = await admin()
    await boss.get(`/admin/users?${aroundToday()}`)
    const live = await followFigure(boss, 'admin-users', 'registered')
    await live.until((v) => v.length > 0)
    const before = live.values().at(-1) ?? 0
    await shopper(shop)
    await live.until((v) => (v.at(-1) ?? 0) > before)
    await live.close()
    expect(live.values().at(-1)).toBe(before + 1)
  })
})
