// Run equivalence: the roll-ups of events applied in runs (as the consumers apply records that
// waited) equal those of the same events applied one by one, however the runs are cut.
import { afterAll, describe, expect, test } from 'bun:test'
import { applyAnalyticsEvent, applyAnalyticsEvents } from '../../../services/analytics/apply.ts'
import { consumedEventOf } from '../../../services/analytics/consumed-event.ts'
import type { AnalyticsEvent } from '../../../services/analytics/effects.ts'
import { analyticsConsumers } from '../../../services/analytics/registry.ts'
import { RollupRun } from '../../../services/analytics/rollups.ts'
import { analyticsProductDays } from '../../../services/analytics/schema.ts'
import type { BusRecord } from '../../../shared/bus/types.ts'
import type { Db } from '../../../shared/db/client.ts'
import { tempDatabase, unique } from '../../helpers/broker.ts'
import { account, act, DAY, MINUTE, searched, shopDay } from './events.ts'
import { analyticsSnapshot, SECRET } from './harness.ts'

const opened: Awaited<ReturnType<typeof tempDatabase>>[] = []

afterAll(() => {
  for (const database of opened) database.close()
})

async function freshDb(): Promise<Db> {
  const database = await tempDatabase()
  opened.push(database)
  return database.db
}

/** The events the consumers would hand their handlers: parsed, each id once, in log order. */
function eventsOf(records: BusRecord[]): AnalyticsEvent[] {
  const byTopic = new Map(analyticsConsumers(SECRET).map((c) => [c.topic as string, c]))
  const seen = new Set<string>()
  return records.flatMap((record, offset) => {
    const consumer = byTopic.get(record.topic)
    const consumed = { ...record, partition: 0, offset: BigInt(offset), timestamp: 0 }
    const event = consumer && consumedEventOf(consumer, consumed)
    if (!event || seen.has(event.id)) return []
    seen.add(event.id)
    return [event as AnalyticsEvent]
  })
}

/** A busy stretch: the shop day's irregular events, and many shoppers on a few products. */
function busyStretch(now: number): BusRecord[] {
  const users = Array.from({ length: 12 }, () => unique('shopper'))
  const products = Array.from({ length: 5 }, () => unique('product'))
  const crowd = Array.from({ length: 180 }, (_, i) => {
    const user = users[(i * 7) % users.length] as string
    const at = now + (i % 3) * MINUTE + i * 50 - (i % 17 === 0 ? 2 * DAY : 0)
    if (i % 11 === 0) return searched(user, at)
    if (i % 13 === 0) return account('user.logged_in', user, at)
    const type =
      i % 5 === 0 ? 'cart.item_added' : i % 7 === 0 ? 'product.clicked' : 'product.viewed'
    return act(type, user, products[i % products.length] as string, at)
  })
  return [...shopDay(now).records, ...crowd]
}

describe('analytics in runs', () => {
  test('a run applied at once, or cut into runs of any size, leaves the tables as one by one', async () => {
    const events = eventsOf(busyStretch(Date.now()))
    expect(events.length).toBeGreaterThan(180)

    const oneByOne = await freshDb()
    for (const event of events)
      await oneByOne.transaction((tx) => applyAnalyticsEvent(tx, event, SECRET))
    const expected = await analyticsSnapshot(oneByOne)
    expect(expected['0']?.length).toBeGreaterThan(4)

    for (const size of [events.length, 100, 7]) {
      const inRuns = await freshDb()
      for (let at = 0; at < events.length; at += size) {
        const run = events.slice(at, at + size)
        await inRuns.transaction((tx) => applyAnalyticsEvents(tx, run, SECRET))
      }
      expect(await analyticsSnapshot(inRuns)).toEqual(expected)
    }
  })
})

describe('a run’s rows', () => {
  test('a row is written when an event moved it, even if its moves add up to 0, and never otherwise', async () => {
    const db = await freshDb()
    const at = Date.UTC(2004, 0, 1, 12)
    const run = new RollupRun()
    run.addToProductDay(at, 'untouched', { views: 0 })
    run.addToProductDay(at, 'back-to-zero', { views: 2 })
    run.addToProductDay(at, 'back-to-zero', { views: -2 })
    await db.transaction((tx) => run.write(tx))
    const rows = await db.select().from(analyticsProductDays)
    expect(rows.map((r) => [r.productId, r.views])).toEqual([['back-to-zero', 0]])
  })
})
