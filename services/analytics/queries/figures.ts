// The building blocks of the queries: a range's totals from the buckets that answer it exactly
// (days from midnight to midnight, minutes otherwise), its distinct active users, and how a figure
// compares with the period before.
import { and, countDistinct, eq, getTableColumns, gte, lt, sql } from 'drizzle-orm'
import type { Db } from '../../../shared/db/client.ts'
import { alignRange, granularityFor, type TimeRange } from '../buckets.ts'
import { analyticsActiveUsers, analyticsBuckets, type BucketCounter } from '../schema.ts'

export type Totals = Record<BucketCounter, number>

/** Every counter column of the buckets. */
export const COUNTERS = Object.keys(getTableColumns(analyticsBuckets)).filter(
  (k) => k !== 'granularity' && k !== 'start',
) as BucketCounter[]

/** Every counter of the buckets, summed over a range. `activeUsers` is NOT distinct: see `activeUsers`. */
export async function totalsOf(db: Db, range: TimeRange): Promise<Totals> {
  const granularity = granularityFor(range)
  const { from, to } = alignRange(range, granularity)
  const t = analyticsBuckets
  const sums = Object.fromEntries(
    COUNTERS.map((k) => [k, sql<number>`coalesce(sum(${t[k]}), 0)`.mapWith(Number)]),
  ) as Record<BucketCounter, ReturnType<typeof sql<number>>>
  const [row] = await db
    .select(sums)
    .from(t)
    .where(and(eq(t.granularity, granularity), gte(t.start, from), lt(t.start, to)))
  return (row ?? Object.fromEntries(COUNTERS.map((k) => [k, 0]))) as Totals
}

/** Distinct pseudonymous users with any event in a range. */
export async function activeUsers(db: Db, range: TimeRange): Promise<number> {
  const granularity = granularityFor(range)
  const { from, to } = alignRange(range, granularity)
  const t = analyticsActiveUsers
  const [row] = await db
    .select({ n: countDistinct(t.userHash) })
    .from(t)
    .where(and(eq(t.granularity, granularity), gte(t.start, from), lt(t.start, to)))
  return row?.n ?? 0
}

/** A figure, what it was in the previous period, and the relative change (null when undefined). */
export interface Figure {
  value: number
  previous: number | null
  /** (value − previous) ÷ previous: 0.25 is 25 % up; null without a previous period or from 0. */
  change: number | null
}

export function figure(value: number, previous: number | null): Figure {
  const change = previous === null || previous === 0 ? null : (value - previous) / previous
  return { value, previous, change }
}

/** a ÷ b, or null when b is 0. */
export function ratio(a: number, b: number): number | null {
  return b === 0 ? null : a / b
}

/** Revenue ÷ completed orders, in whole minor units; null without completed orders. */
export function averageOrderValue(totals: Pick<Totals, 'revenueMinor' | 'ordersCompleted'>) {
  const r = ratio(totals.revenueMinor, totals.ordersCompleted)
  return r === null ? null : Math.round(r)
}
