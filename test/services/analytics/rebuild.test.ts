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
import { ANALYTICS_TABLES, analyticsBuckets } from '../../../services/analytics/schema.ts'
import type { BusRecord } from '../../../shared/bus/types.ts'
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
import { type AnalyticsHarness, startAnalytics } from './harness.ts'

let shop: AnalyticsHarness

beforeAll(async () => {
  shop = await startAnalytics()
})

afterAll(async () => {
  await shop.close()
})

/** Every row of every analytics table, in a stable order. */
async function snapshot(): Promise<Record<string, string[]>> {
  const tables: Record<string, string[]> = {}
  for (const [i, table] of ANALYTICS_TABLES.entries()) {
    const rows = await shop.db.select().from(table)
    tables[i] = rows.map((r) => JSON.stringify(r)).sort()
  }
  return tables
}

/** A varied set of events around `now`: what a live shop sends, with its irregularities. */
function shopDay(now: number): { records: BusRecord[]; distinct: number } {
  const [ann, bob, cat] = [unique('ann'), unique('bob'), unique('cat')]
  const [lamp, desk] = [unique('lamp'), unique('desk')]
  const view = act('product.viewed', ann, lamp, now)
  const inOrder = newOrder(ann, [{ productId: lamp, quantity: 2, priceMinor: 1250 }])
  const reversed = newOrder(bob, [
    { productId: lamp, quantity: 1, priceMinor: 1250 },
    { productId: desk, quantity: 3, priceMinor: 999 },
  ])
  const cancelled = newOrder(cat, [{ productId: desk, quantity: 1, priceMinor: 999 }])
  const records = [
    view,
    view, // redelivered: the same id again
    act('product.viewed', bob, desk, now + 10),
    searched(bob, now + 20),
    act('product.clicked', bob, desk, now + 30),
    act('cart.item_added', bob, desk, now + 40),
    // Late: a view from three days ago, after bob's on-time events (same key, same partition).
    act('product.viewed', bob, lamp, now - 3 * DAY),
    account('user.registered', cat, now + 50),
    rated(ann, lamp, 3.5, now + 60),
    created(inOrder, now + 70),
    captured(inOrder, now + 80),
    ended(inOrder, 'completed', now + 90),
    // Out of order: the completion first, its creation (five minutes earlier) after it.
    ended(reversed, 'completed', now + 100),
    created(reversed, now - 5 * MINUTE),
    created(cancelled, now + 110),
    captured(cancelled, now + 120),
    refunded(cancelled, 999, now + 130),
    ended(cancelled, 'cancelled', now + 140),
    act('product.purchased', ann, lamp, now + 150),
  ]
  return { records, distinct: records.length - 1 }
}

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
    const live = await snapshot()
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
    expect(await snapshot()).toEqual(live)
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
