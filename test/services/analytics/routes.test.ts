// The analytics API on the whole saga shop: admins only (problem+json 403 for anyone else), the
// roll-ups of a real completed order as JSON and as CSV, and bad queries as 400s.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ensureAdmin } from '../../../services/accounts/accounts.ts'
import { eventually } from '../../helpers/broker.ts'
import { TestBrowser } from '../../helpers/browser.ts'
import {
  type SagaShop,
  shopper,
  startSagaShop,
  stockedProduct,
  TEST_CARDS,
  terminal,
} from '../../helpers/saga.ts'

let shop: SagaShop
let boss: TestBrowser
let productId = ''
const day = (offset: number) =>
  new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)
const range = () => `from=${day(-1)}&to=${day(1)}`
const json = { accept: 'application/json' }

beforeAll(async () => {
  shop = await startSagaShop()
  await ensureAdmin(shop.platform.database.db, {
    email: 'analytics-admin@example.test',
    password: 'admin-password-123',
  })
  boss = new TestBrowser(shop.app)
  await boss.get('/login')
  await boss.post('/login', {
    email: 'analytics-admin@example.test',
    password: 'admin-password-123',
  })
  const product = await stockedProduct(shop, 10, 1200)
  productId = product.id
  const buyer = await shopper(shop)
  const orderId = await buyer.place(TEST_CARDS.ok, [{ productId, quantity: 3 }])
  expect((await terminal(buyer.get, orderId)).status).toBe('completed')
  // The roll-ups follow the topics: wait until analytics has counted the order.
  await eventually(
    async () => {
      const res = await boss.request(`/analytics/orders?${range()}`, { headers: json })
      return ((await res.json()) as { completed: number }).completed === 1
    },
    20_000,
    'analytics to count the order',
  )
})

afterAll(() => shop.close())

describe('analytics API', () => {
  test('anyone but an admin gets a 403 problem', async () => {
    const guest = new TestBrowser(shop.app)
    const customer = await shopper(shop)
    for (const path of ['overview', 'orders', 'users', 'products', 'dashboard']) {
      for (const who of [guest, customer.browser]) {
        const res = await who.request(`/analytics/${path}`, { headers: json })
        expect(res.status, path).toBe(403)
        expect(res.headers.get('content-type')).toContain('application/problem+json')
      }
    }
  })

  test('the figures of a completed order, as JSON', async () => {
    const get = async (path: string) =>
      (await boss.request(`/analytics/${path}`, { headers: json })).json() as Promise<
        Record<string, unknown>
      >
    expect(await get(`overview?${range()}`)).toMatchObject({
      revenueMinor: { value: 3600 },
      ordersCompleted: { value: 1 },
    })
    expect(await get(`orders?${range()}`)).toMatchObject({
      completed: 1,
      revenueMinor: 3600,
      topSellers: [{ productId, units: 3 }],
    })
    const users = (await get(`users?${range()}`)) as { roles: Record<string, number> }
    expect(users.roles.admin).toBe(1)
    expect(users.roles.customer).toBeGreaterThanOrEqual(1)
    const products = (await get(`products?${range()}&sort=units`)) as {
      rows: { productId: string; units: number; revenueMinor: number }[]
    }
    expect(products.rows[0]).toMatchObject({ productId, units: 3, revenueMinor: 3600 })
    const dashboard = await get(`dashboard?${range()}`)
    expect(Object.keys(dashboard).sort()).toEqual([
      'funnels',
      'orders',
      'overview',
      'products',
      'users',
    ])
  })

  test('every table as CSV', async () => {
    const csv = async (path: string) => {
      const res = await boss.request(`/analytics/${path}&format=csv`)
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
      expect(res.headers.get('content-disposition')).toContain('attachment')
      return (await res.text()).split('\r\n')
    }
    const overview = await csv(`overview?${range()}`)
    expect(overview[0]).toBe('metric,value,previous,change')
    expect(overview).toContainEqual(expect.stringMatching(/^revenueMinor,3600,0,$/))
    const products = await csv(`products?${range()}&sort=units`)
    expect(products[0]).toBe(
      'productId,views,clicks,cartAdds,purchases,orders,units,revenueMinor,rating,ratings',
    )
    expect(products[1]).toMatch(new RegExp(`^${productId},\\d+,\\d+,\\d+,\\d+,1,3,3600,,0$`))
    const orders = await csv(`orders?${range()}`)
    expect(orders).toContain('completed,1')
    const users = await csv(`users?${range()}`)
    expect(users[0]).toBe('day,registered')
    expect(users).toHaveLength(1 + 30 + 1)
    const dashboard = await csv(`dashboard?${range()}`)
    expect(dashboard.some((l) => l.startsWith('funnel:product:'))).toBe(true)
  })

  test('a bad range, sort or format is a 400 naming it', async () => {
    for (const query of [
      'overview?from=2026-02-30',
      'overview?from=2026-03-10&to=2026-03-01',
      'products?sort=price',
      'orders?format=xml',
    ]) {
      const res = await boss.request(`/analytics/${query}`, { headers: json })
      expect(res.status, query).toBe(400)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
    }
  })
})
