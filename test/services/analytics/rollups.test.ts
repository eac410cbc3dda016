// The roll-ups on known event sets, through the real consumers on the run's broker: buckets by
// event time, redelivered events, late events, an order's events in either order, pseudonyms.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { pseudonym } from '../../../services/analytics/index.ts'
import {
  ANALYTICS_TABLES,
  analyticsBuckets,
  analyticsOrders,
  analyticsProductDays,
  type Granularity,
} from '../../../services/analytics/schema.ts'
import { unique } from '../../helpers/broker.ts'
import {
  account,
  act,
  captured,
  created,
  DAY,
  ended,
  MINUTE,
  newOrder,
  rated,
  refunded,
  searched,
} from './events.ts'
import { type AnalyticsHarness, eventAt, ownDay, SECRET, startAnalytics } from './harness.ts'

let shop: AnalyticsHarness

beforeAll(async () => {
  shop = await startAnalytics()
})

afterAll(async () => {
  await shop.close()
})

async function bucket(granularity: Granularity, start: number) {
  const [row] = await shop.db
    .select()
    .from(analyticsBuckets)
    .where(and(eq(analyticsBuckets.granularity, granularity), eq(analyticsBuckets.start, start)))
  return row
}

async function productDay(day: number, productId: string) {
  const [row] = await shop.db
    .select()
    .from(analyticsProductDays)
    .where(and(eq(analyticsProductDays.day, day), eq(analyticsProductDays.productId, productId)))
  return row
}

describe('analytics roll-ups', () => {
  test('counts behaviour in the minute and day of its event time, with users distinct', async () => {
    const day = ownDay()
    const m1 = day + 10 * 60 * MINUTE
    const m2 = m1 + MINUTE
    const [ann, bob, cat] = [unique('ann'), unique('bob'), unique('cat')]
    const [lamp, desk] = [unique('lamp'), unique('desk')]
    await shop.deliver(
      act('product.viewed', ann, lamp, m1 + 5_000),
      act('product.viewed', ann, lamp, m1 + 50_000),
      act('product.viewed', ann, desk, m2 + 1_000),
      searched(bob, m1 + 10_000),
      act('cart.item_added', bob, lamp, m2 + 2_000),
      act('recommendation.clicked', bob, desk, m2 + 3_000),
      rated(bob, lamp, 4, m2 + 4_000),
      act('product.purchased', bob, lamp, m2 + 5_000),
      account('user.registered', cat, m1 + 20_000),
      account('user.logged_in', cat, m1 + 21_000),
      // The storefront sends listings already pseudonymised: still cat, not a fourth user.
      eventAt(
        'product_list.viewed',
        { userId: pseudonym(SECRET, cat), metadata: { category: 'x' } },
        m2 + 6_000,
      ),
    )
    expect(await bucket('minute', m1)).toMatchObject({
      events: 5,
      activeUsers: 3,
      productViews: 2,
      searches: 1,
      usersRegistered: 1,
      logins: 1,
      cartAdds: 0,
    })
    expect(await bucket('minute', m2)).toMatchObject({
      events: 6,
      activeUsers: 3,
      productViews: 1,
      cartAdds: 1,
      recommendationClicks: 1,
      ratings: 1,
      purchases: 1,
      listViews: 1,
    })
    expect(await bucket('day', day)).toMatchObject({
      events: 11,
      activeUsers: 3,
      productViews: 3,
      cartAdds: 1,
      purchases: 1,
    })
    expect(await productDay(day, lamp)).toMatchObject({
      views: 2,
      cartAdds: 1,
      purchases: 1,
      ratingSum: 4,
      ratingCount: 1,
      clicks: 0,
    })
    expect(await productDay(day, desk)).toMatchObject({ views: 1, clicks: 1, cartAdds: 0 })
  })

  test('a redelivered event (the same id twice) counts once', async () => {
    const day = ownDay()
    const at = day + 3 * 60 * MINUTE
    const [ann, lamp] = [unique('ann'), unique('lamp')]
    const view = act('product.viewed', ann, lamp, at)
    const order = newOrder(ann, [{ productId: lamp, quantity: 2, priceMinor: 1500 }])
    const placed = created(order, at + 1000)
    const done = ended(order, 'completed', at + 2000)
    await shop.deliver(view, placed, done)
    await shop.deliver(view, placed, done, view)
    expect(view.headers.ce_id).toBeString()
    expect(await bucket('day', day)).toMatchObject({
      events: 3,
      productViews: 1,
      ordersPlaced: 1,
      ordersCompleted: 1,
      revenueMinor: 3000,
    })
    expect(await productDay(day, lamp)).toMatchObject({ views: 1, orders: 1, units: 2 })
  })

  test('a late event lands in its own bucket, long past, and nowhere else', async () => {
    const day = ownDay()
    const late = day - 30 * DAY + 7 * 60 * MINUTE
    const [ann, lamp] = [unique('ann'), unique('lamp')]
    await shop.deliver(act('product.viewed', ann, lamp, day + MINUTE))
    const before = await bucket('day', day)
    await shop.deliver(act('product.viewed', ann, lamp, late))
    expect(await bucket('day', day)).toEqual(before)
    expect(await bucket('day', late - (late % DAY))).toMatchObject({
      events: 1,
      productViews: 1,
      activeUsers: 1,
    })
    expect(await bucket('minute', late - (late % MINUTE))).toMatchObject({ productViews: 1 })
    expect(await productDay(late - (late % DAY), lamp)).toMatchObject({ views: 1 })
  })

  test('an order counts the same revenue whether its completion arrives before or after its creation', async () => {
    const [early, late] = [ownDay(), ownDay()]
    const [ann, lamp, desk] = [unique('ann'), unique('lamp'), unique('desk')]
    const items = [
      { productId: lamp, quantity: 2, priceMinor: 1000 },
      { productId: desk, quantity: 1, priceMinor: 500 },
    ]
    // 2 500 of lines less a 250 discount: 2 250 charged, shared 1 800 / 450 by line value.
    const [inOrder, reversed] = [newOrder(ann, items, 250), newOrder(ann, items, 250)]
    const times = (day: number) => ({
      created: day + 9 * 60 * MINUTE,
      done: day + 11 * 60 * MINUTE,
    })
    const a = times(early)
    await shop.deliver(created(inOrder, a.created))
    await shop.deliver(ended(inOrder, 'completed', a.done))
    const b = times(late)
    await shop.deliver(ended(reversed, 'completed', b.done))
    // The completion alone: known, but nothing to count yet.
    expect(await bucket('day', late)).toMatchObject({ ordersCompleted: 0, revenueMinor: 0 })
    await shop.deliver(created(reversed, b.created))

    const figures = async (day: number, t: { created: number; done: number }) => ({
      day: await bucket('day', day),
      createdMinute: await bucket('minute', t.created),
      doneMinute: await bucket('minute', t.done),
      lamp: await productDay(day, lamp),
      desk: await productDay(day, desk),
    })
    const [first, second] = [await figures(early, a), await figures(late, b)]
    expect(first.day).toMatchObject({ ordersPlaced: 1, ordersCompleted: 1, revenueMinor: 2250 })
    expect(first.createdMinute).toMatchObject({ ordersPlaced: 1, revenueMinor: 0 })
    expect(first.doneMinute).toMatchObject({ ordersCompleted: 1, revenueMinor: 2250 })
    expect(first.lamp).toMatchObject({ orders: 1, units: 2, revenueMinor: 1800 })
    expect(first.desk).toMatchObject({ orders: 1, units: 1, revenueMinor: 450 })
    const shifted = (f: typeof first) => ({
      ...f,
      day: { ...f.day, start: 0 },
      createdMinute: { ...f.createdMinute, start: 0 },
      doneMinute: { ...f.doneMinute, start: 0 },
      lamp: { ...f.lamp, day: 0 },
      desk: { ...f.desk, day: 0 },
    })
    expect(shifted(second)).toEqual(shifted(first))
  })

  test('cancelled orders add no revenue; a refund of a completed order is taken off in its own bucket', async () => {
    const day = ownDay()
    const [ann, lamp] = [unique('ann'), unique('lamp')]
    const items = [{ productId: lamp, quantity: 1, priceMinor: 4000 }]
    const [kept, cancelled, returned] = [
      newOrder(ann, items),
      newOrder(ann, items),
      newOrder(ann, items),
    ]
    const h = (n: number) => day + n * 60 * MINUTE
    await shop.deliver(
      created(kept, h(1)),
      captured(kept, h(1) + 1000),
      ended(kept, 'completed', h(1) + 2000),
      created(cancelled, h(2)),
      captured(cancelled, h(2) + 1000),
      refunded(cancelled, 4000, h(2) + 2000),
      ended(cancelled, 'cancelled', h(2) + 3000),
      // A refund before the completion it is taken off: counted once both are known.
      created(returned, h(3)),
      refunded(returned, 1500, h(5)),
      ended(returned, 'completed', h(3) + 1000),
    )
    // An answer repeated (the same total refunded) takes nothing more off.
    await shop.deliver(refunded(returned, 1500, h(5) + 1000))
    expect(await bucket('day', day)).toMatchObject({
      ordersPlaced: 3,
      ordersCompleted: 2,
      ordersCancelled: 1,
      revenueMinor: 4000 + 4000 - 1500,
      refundedMinor: 4000 + 1500,
      capturedMinor: 8000,
    })
    expect(await bucket('minute', h(5))).toMatchObject({ revenueMinor: -1500 })
    const [row] = await shop.db
      .select()
      .from(analyticsOrders)
      .where(eq(analyticsOrders.orderId, cancelled.orderId))
    expect(row).toMatchObject({ status: 'cancelled', counted: false, totalMinor: 4000 })
  })

  test('an order’s steps on the way (not its end) are not applied at all', async () => {
    const day = ownDay()
    const order = newOrder(unique('ann'), [
      { productId: unique('p'), quantity: 1, priceMinor: 100 },
    ])
    await shop.deliver(ended(order, 'payment_capturing', day + MINUTE))
    expect(await bucket('day', day)).toBeUndefined()
  })

  test('no raw user id is stored in any analytics table, only its keyed pseudonym', async () => {
    const day = ownDay()
    const [ann, bob] = [unique('raw-ann'), unique('raw-bob')]
    const lamp = unique('lamp')
    const order = newOrder(bob, [{ productId: lamp, quantity: 1, priceMinor: 100 }])
    await shop.deliver(
      act('product.viewed', ann, lamp, day + MINUTE),
      searched(ann, day + 2 * MINUTE),
      account('user.registered', bob, day + 3 * MINUTE),
      created(order, day + 4 * MINUTE),
      ended(order, 'completed', day + 5 * MINUTE),
    )
    const dump: string[] = []
    for (const table of ANALYTICS_TABLES) {
      dump.push(JSON.stringify(await shop.db.select().from(table)))
    }
    const everything = dump.join('\n')
    expect(everything).toContain(pseudonym(SECRET, ann))
    expect(everything).toContain(pseudonym(SECRET, bob))
    expect(everything).not.toContain(ann)
    expect(everything).not.toContain(bob)
    // Keyed: another secret gives another pseudonym, so the hash cannot be recomputed without it.
    expect(pseudonym('another-secret-0123456789abcdefghij', ann)).not.toBe(pseudonym(SECRET, ann))
  })
})
