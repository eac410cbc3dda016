// Replay equivalence: the roll-ups rebuilt from the log equal the ones the live consumers built
// from the same events — duplicates, a late event and an order's events out of order included —
// and events the live consumers apply while a rebuild runs count once.
//
// A rebuild from a time starts at each partition's first record stamped at or after it (records
// carry their event's time). So that a late event (stamped long ago) is not before that first
// record, each one follows an on-time record of the same key, hence of the same partition.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { rebuildAnalytics } from '../../../services/analytics/index.ts'
import { analyticsBuckets } from '../../../services/analytics/schema.ts'
import { unique } from '../../helpers/broker.ts'
import { act, DAY, shopDay } from './events.ts'
import { type AnalyticsHarness, analyticsSnapshot, startAnalytics } from './harness.ts'

let shop: AnalyticsHarness

beforeAll(async () => {
  shop = await startAnalytics()
})

afterAll(async () => {
  await shop.close()
})

async function todayBucket(now: number) {
  const [row] = await shop.db
    .select()
    .from(analyticsBuckets)
    .where(
      and(eq(analyticsBuckets.granularity, 'day'), eq(analyticsBuckets.start, now - (now % DAY))),
    )
  return row
}

describe('rebuilding analytics from the log', () => {
  test('gives the same roll-ups as the live consumers built from the same events', async () => {
    const from = Date.now()
    const { records, distinct } = shopDay(from)
    await shop.deliver(...records)
    const live = await analyticsSnapshot(shop.db)
    expect(live['0']?.length).toBeGreaterThan(0)
    // Something to wipe: a rebuild that only added to the tables would keep it.
    await shop.db
      .insert(analyticsBuckets)
      .values({ granularity: 'day', start: 0, events: 42, revenueMinor: 1 })

    const report = await rebuildAnalytics({
      bus: shop.platform.bus,
      db: shop.db,
      consumers: shop.consumers,
      from: { timestamp: from },
    })
    expect(await analyticsSnapshot(shop.db)).toEqual(live)
    expect(report.eventsApplied).toBe(distinct)
    expect(report.users).toBe(3)
    expect(report.products).toBe(2)
    expect(await todayBucket(from)).toMatchObject({
      ordersPlaced: 3,
      ordersCompleted: 2,
      ordersCancelled: 1,
      revenueMinor: 2 * 1250 + (1250 + 3 * 999),
    })
  })

  test('forgets what the log holds before the position, and counts events applied meanwhile once', async () => {
    await shop.deliver(act('product.viewed', unique('early'), unique('p'), Date.now()))
    // Past every record stamped so far (the sets stamp events up to 150 ms after their `now`).
    await Bun.sleep(200)
    const from = Date.now()
    await Bun.sleep(5)
    const now = Date.now()
    const first = shopDay(now)
    await shop.deliver(...first.records)
    const before = await todayBucket(now)
    const rebuilding = rebuildAnalytics({
      bus: shop.platform.bus,
      db: shop.db,
      consumers: shop.consumers,
      from: { timestamp: from },
    })
    // Published while the rebuild runs: the live consumers and the rebuild's reader may both meet
    // these; each must count once.
    const second = shopDay(Date.now())
    await shop.platform.bus.publish(second.records)
    await rebuilding
    await shop.settle()
    const after = await todayBucket(now)
    // Each set holds two views today (ann's, delivered twice with one id, and bob's) and a late
    // one: before the rebuild, today also had the early view and the first test's.
    expect(before?.productViews).toBeGreaterThanOrEqual(1 + 2)
    expect(after?.productViews).toBe(2 + 2)
    expect(after).toMatchObject({ ordersPlaced: 6, ordersCompleted: 4, ordersCancelled: 2 })
    expect(after?.revenueMinor).toBe(2 * (2 * 1250 + (1250 + 3 * 999)))
  })
})
