// The dashboard's query functions on one known set of events, delivered through the real
// consumers: two days (D0, the period before; D1, the period asked for) of shoppers and orders.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import {
  eventsPerSecond,
  funnels,
  ordersSummary,
  overview,
  productsTable,
  recentOrders,
  trend,
  usersSummary,
} from '../../../services/analytics/index.ts'
import { unique } from '../../helpers/broker.ts'
import {
  account,
  act,
  created,
  DAY,
  ended,
  MINUTE,
  newOrder,
  rated,
  searched,
  type TestOrder,
} from './events.ts'
import { type AnalyticsHarness, ownDay, startAnalytics } from './harness.ts'

let shop: AnalyticsHarness
const D0 = ownDay()
const D1 = D0 + DAY
/** A time on D1 (or `day`): hours and minutes after midnight. */
const at = (h: number, m = 0, day = D1) => day + h * 60 * MINUTE + m * MINUTE
const [u1, u2, u3, u4, u5, u6, u7] = [1, 2, 3, 4, 5, 6, 7].map((n) => unique(`u${n}`)) as string[] &
  [string, string, string, string, string, string, string]
const [pA, p1, p2] = [unique('pA'), unique('p1'), unique('p2')]
let o1: TestOrder
let o2: TestOrder
let o3: TestOrder
let o4: TestOrder

beforeAll(async () => {
  shop = await startAnalytics()
  o1 = newOrder(u1, [{ productId: pA, quantity: 1, priceMinor: 1000 }])
  o2 = newOrder(u2, [{ productId: p1, quantity: 2, priceMinor: 1000 }])
  o3 = newOrder(u3, [
    { productId: p1, quantity: 1, priceMinor: 1000 },
    { productId: p2, quantity: 2, priceMinor: 500 },
  ])
  o4 = newOrder(u4, [{ productId: p2, quantity: 1, priceMinor: 500 }])
  await shop.deliver(
    // D0: one shopper, one order.
    account('user.registered', u1, at(1, 0, D0)),
    act('product.viewed', u1, pA, at(2, 0, D0)),
    act('product.viewed', u1, pA, at(2, 1, D0)),
    created(o1, at(3, 0, D0)),
    ended(o1, 'completed', at(3, 1, D0)),
    // D1: u2 goes all the way, twice viewing; u3 buys a product they did not click.
    account('user.registered', u2, at(1, 0)),
    account('user.registered', u3, at(1, 5)),
    act('product.viewed', u2, p1, at(10, 0) + 10_000),
    act('product.viewed', u2, p1, at(10, 0) + 20_000),
    searched(u2, at(10, 1)),
    act('product.clicked', u2, p1, at(10, 2)),
    act('cart.item_added', u2, p1, at(10, 3)),
    act('product.purchased', u2, p1, at(10, 4)),
    act('product.viewed', u3, p1, at(10, 5)),
    act('product.viewed', u3, p2, at(10, 6)),
    act('cart.item_added', u3, p1, at(10, 7)),
    searched(u3, at(10, 8)),
    act('product.clicked', u3, p2, at(10, 9)),
    act('product.purchased', u3, p1, at(10, 10)),
    act('product.viewed', u5, p2, at(11, 0)),
    searched(u5, at(11, 1)),
    act('cart.item_added', u6, p1, at(11, 2)),
    act('product.clicked', u6, p1, at(11, 3)),
    act('product.viewed', u7, p1, at(11, 4)),
    act('cart.item_added', u7, p1, at(11, 5)),
    rated(u2, p1, 5, at(11, 6)),
    rated(u3, p1, 4, at(11, 7)),
    created(o2, at(12, 0)),
    ended(o2, 'completed', at(12, 5)),
    created(o3, at(12, 10)),
    ended(o3, 'completed', at(12, 15)),
    created(o4, at(12, 20)),
    ended(o4, 'cancelled', at(12, 25)),
  )
})

afterAll(async () => {
  await shop.close()
})

const day1 = { from: D1, to: D1 + DAY }

describe('analytics queries', () => {
  test('overview: each figure against the previous period', async () => {
    const o = await overview(shop.db, day1)
    expect(o.previousRange).toEqual({ from: D0, to: D1 })
    expect(o.revenueMinor).toEqual({ value: 4000, previous: 1000, change: 3 })
    expect(o.ordersPlaced).toEqual({ value: 3, previous: 1, change: 2 })
    expect(o.ordersCompleted).toEqual({ value: 2, previous: 1, change: 1 })
    expect(o.ordersCancelled).toEqual({ value: 1, previous: 0, change: null })
    expect(o.averageOrderValueMinor).toEqual({ value: 2000, previous: 1000, change: 1 })
    expect(o.usersRegistered).toEqual({ value: 2, previous: 1, change: 1 })
    expect(o.activeUsers).toEqual({ value: 6, previous: 1, change: 5 })
    expect(o.productViews).toEqual({ value: 6, previous: 2, change: 2 })
    expect(o.cartAdds.value).toBe(4)
    expect(o.searches.value).toBe(3)
    expect(o.purchases.value).toBe(2)
    expect(o.conversionRate.value).toBeCloseTo(2 / 6)
    expect((await overview(shop.db, day1, { compare: false })).revenueMinor).toEqual({
      value: 4000,
      previous: null,
      change: null,
    })
  })

  test('overview of a range within a day is exact to the minute', async () => {
    const o = await overview(shop.db, { from: at(10, 0), to: at(10, 5) })
    expect(o.productViews.value).toBe(2)
    expect(o.searches.value).toBe(1)
    expect(o.cartAdds.value).toBe(1)
    expect(o.activeUsers).toEqual({ value: 1, previous: 0, change: null })
  })

  test('trend: a value per day or per minute, every bucket present', async () => {
    const days = await trend(shop.db, { from: D0, to: D1 + DAY }, 'day')
    expect(days.buckets).toEqual([D0, D1])
    expect(days.series.revenueMinor).toEqual([1000, 4000])
    expect(days.series.ordersCompleted).toEqual([1, 2])
    expect(days.series.ordersPlaced).toEqual([1, 3])
    const minutes = await trend(shop.db, { from: at(12, 0), to: at(12, 30) }, 'minute', [
      'ordersPlaced',
      'revenueMinor',
    ])
    expect(minutes.buckets).toHaveLength(30)
    const placed = minutes.series.ordersPlaced
    expect([placed[0], placed[10], placed[20], placed.reduce((a, b) => a + b)]).toEqual([
      1, 1, 1, 3,
    ])
    expect(minutes.series.revenueMinor[5]).toBe(2000)
    expect(minutes.series.revenueMinor[15]).toBe(2000)
  })

  test('orders summary: counts, revenue, average order value, top sellers', async () => {
    const s = await ordersSummary(shop.db, day1)
    expect(s).toMatchObject({
      placed: 3,
      completed: 2,
      cancelled: 1,
      revenueMinor: 4000,
      averageOrderValueMinor: 2000,
    })
    expect(s.topSellers.map((p) => [p.productId, p.units, p.revenueMinor])).toEqual([
      [p1, 3, 3000],
      [p2, 2, 1000],
    ])
  })

  test('users summary: registrations, active users, growth over 7 and 30 days, roles', async () => {
    const s = await usersSummary(shop.db, day1, {
      countRoles: async () => ({ customer: 7, admin: 1 }),
    })
    expect(s.registered).toEqual({ value: 2, previous: 1, change: 1 })
    expect(s.active).toEqual({ value: 6, previous: 1, change: 5 })
    expect(s.growth7.days).toHaveLength(7)
    expect(s.growth7.days.at(-1)).toBe(D1)
    expect(s.growth7.registered).toEqual([0, 0, 0, 0, 0, 1, 2])
    expect(s.growth7.total).toEqual({ value: 3, previous: 0, change: null })
    expect(s.growth30.registered).toHaveLength(30)
    expect(s.growth30.total.value).toBe(3)
    expect(s.roles).toEqual({ customer: 7, admin: 1 })
    expect((await usersSummary(shop.db, day1)).roles).toBeNull()
  })

  test('products table: figures per product, sorted and paged', async () => {
    const range = { from: D0, to: D1 + DAY }
    const all = await productsTable(shop.db, range, { sort: 'units', dir: 'asc' })
    expect(all.total).toBe(3)
    expect(all.rows.map((r) => r.productId)).toEqual([pA, p2, p1])
    expect(all.rows[2]).toEqual({
      productId: p1,
      views: 4,
      clicks: 2,
      cartAdds: 4,
      purchases: 2,
      orders: 2,
      units: 3,
      revenueMinor: 3000,
      rating: 4.5,
      ratings: 2,
    })
    expect(all.rows[1]).toMatchObject({ productId: p2, views: 2, orders: 1, revenueMinor: 1000 })
    expect(all.rows[1]?.rating).toBeNull()
    // Views: p1 first, then the two with 2 views by id; two per page.
    const tied = [pA, p2].sort()
    const first = await productsTable(shop.db, range, { sort: 'views', pageSize: 2 })
    const second = await productsTable(shop.db, range, { sort: 'views', pageSize: 2, page: 2 })
    expect(first.rows.map((r) => r.productId)).toEqual([p1, ...tied.slice(0, 1)])
    expect(second.rows.map((r) => r.productId)).toEqual(tied.slice(1))
    expect(second.total).toBe(3)
    // Unrated products come last, whichever the direction.
    for (const dir of ['asc', 'desc'] as const) {
      const byRating = await productsTable(shop.db, range, { sort: 'rating', dir })
      expect(byRating.rows[0]?.productId).toBe(p1)
    }
  })

  test('funnels: journeys reaching each step, with conversion and drop-off', async () => {
    const f = await funnels(shop.db, day1)
    expect(f.product.map((s) => [s.step, s.count, s.dropOff])).toEqual([
      ['viewed', 5, 0],
      ['carted', 3, 2],
      ['purchased', 2, 1],
    ])
    expect(f.product.map((s) => s.conversion)).toEqual([1, 0.6, 0.4])
    expect(f.product[1]?.dropOffRate).toBeCloseTo(0.4)
    expect(f.product[2]?.stepConversion).toBeCloseTo(2 / 3)
    expect(f.product[0]?.stepConversion).toBeNull()
    expect(f.search.map((s) => [s.step, s.count, s.dropOff])).toEqual([
      ['searched', 3, 0],
      ['clicked', 2, 1],
      ['purchased', 1, 1],
    ])
    expect(f.search[2]?.stepConversion).toBe(0.5)
    const one = await funnels(shop.db, day1, { productId: p1 })
    expect(one.product.map((s) => s.count)).toEqual([3, 3, 2])
    expect(one.search.map((s) => s.count)).toEqual([3, 1, 1])
    // The day before had views but no search.
    const before = await funnels(shop.db, { from: D0, to: D1 })
    expect(before.product.map((s) => s.count)).toEqual([1, 0, 0])
    expect(before.search.map((s) => [s.count, s.conversion])).toEqual([
      [0, null],
      [0, null],
      [0, null],
    ])
  })

  test('recent orders: newest first, with status and totals, no user id', async () => {
    const recent = await recentOrders(shop.db, 3)
    expect(recent.map((r) => [r.orderId, r.status, r.totalMinor, r.units])).toEqual([
      [o4.orderId, 'cancelled', 500, 1],
      [o3.orderId, 'completed', 2000, 3],
      [o2.orderId, 'completed', 2000, 2],
    ])
    expect(recent[0]?.userHash).toMatch(/^p_[0-9a-f]{24}$/)
  })

  test('events per second of the last minutes, by event time', async () => {
    const second = Math.floor((Date.now() - 10 * MINUTE) / 1000) * 1000
    const shopper = unique('live')
    await shop.deliver(
      act('product.viewed', shopper, pA, second + 100),
      act('product.viewed', shopper, pA, second + 500),
      searched(shopper, second + 900),
      act('product.viewed', shopper, pA, second + 1500),
    )
    const rate = await eventsPerSecond(shop.db, { from: second - 2000, to: second + 3000 })
    expect(rate.seconds).toEqual([-2, -1, 0, 1, 2].map((s) => second + s * 1000))
    expect(rate.events).toEqual([0, 0, 3, 1, 0])
  })
})
