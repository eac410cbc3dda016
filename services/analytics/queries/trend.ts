// Series for the charts: counters per day or per minute over a range (every bucket present, 0
// where nothing happened), and events per second of the last hour for the live chart.
import { and, asc, eq, gte, lt } from 'drizzle-orm'
import type { Db } from '../../../shared/db/client.ts'
import { alignRange, bucketsOf, DAY_MS, MINUTE_MS, SECOND_MS, type TimeRange } from '../buckets.ts'
import {
  analyticsBuckets,
  analyticsEventSeconds,
  type BucketCounter,
  EVENT_SECONDS_KEPT,
  type Granularity,
} from '../schema.ts'

/** A chart's data: bucket starts (ms) and, per counter, one value per bucket. */
export interface Trend<M extends BucketCounter = BucketCounter> {
  granularity: Granularity
  buckets: number[]
  series: Record<M, number[]>
}

const DEFAULT_METRICS = ['revenueMinor', 'ordersPlaced', 'ordersCompleted', 'events'] as const

/** Most buckets one trend returns: a month of days, or a week of minutes. */
const MAX_BUCKETS = 10_080

/**
 * Counters per bucket over a range, widened to whole buckets. `activeUsers` per bucket is exact
 * for each bucket (users are not distinct across buckets, as they are in `activeUsers()`).
 *
 * @example
 * await trend(db, { from: today - 29 * DAY_MS, to: today + DAY_MS }, 'day')  // the 30-day charts
 * await trend(db, { from: now - 30 * MINUTE_MS, to: now }, 'minute', ['events'])
 */
export async function trend<M extends BucketCounter = (typeof DEFAULT_METRICS)[number]>(
  db: Db,
  range: TimeRange,
  granularity: Granularity,
  metrics: readonly M[] = DEFAULT_METRICS as unknown as M[],
): Promise<Trend<M>> {
  const buckets = bucketsOf(range, granularity, MAX_BUCKETS)
  const from = buckets[0] ?? alignRange(range, granularity).from
  const to = from + buckets.length * (granularity === 'day' ? DAY_MS : MINUTE_MS)
  const t = analyticsBuckets
  const rows = await db
    .select()
    .from(t)
    .where(and(eq(t.granularity, granularity), gte(t.start, from), lt(t.start, to)))
  const byStart = new Map(rows.map((r) => [r.start, r]))
  const series = {} as Record<M, number[]>
  for (const m of metrics) series[m] = buckets.map((b) => Number(byStart.get(b)?.[m] ?? 0))
  return { granularity, buckets, series }
}

/** Events per second: one value per second of the range (only the last hour is kept). */
export interface EventRate {
  seconds: number[]
  events: number[]
}

/**
 * Events per second of event time over a range within the last hour (the live chart: the last 30
 * minutes, say). Seconds older than the ring keeps read 0.
 */
export async function eventsPerSecond(db: Db, range: TimeRange): Promise<EventRate> {
  const from = Math.floor(range.from / SECOND_MS) * SECOND_MS
  const to = Math.ceil(range.to / SECOND_MS) * SECOND_MS
  const count = Math.min(EVENT_SECONDS_KEPT, Math.max(0, (to - from) / SECOND_MS))
  const first = to - count * SECOND_MS
  const t = analyticsEventSeconds
  const rows = await db
    .select({ second: t.second, events: t.events })
    .from(t)
    .where(and(gte(t.second, first), lt(t.second, to)))
    .orderBy(asc(t.second))
  const bySecond = new Map(rows.map((r) => [r.second, r.events]))
  const seconds = Array.from({ length: count }, (_, i) => first + i * SECOND_MS)
  return { seconds, events: seconds.map((s) => bySecond.get(s) ?? 0) }
}
