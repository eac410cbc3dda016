// The roll-up tables' writes, inside the consumer's transaction (the one that also records the
// event as processed, so each write happens once per event). Every write is an increment or an
// insert-or-ignore, so the tables end the same whatever order events arrive in.
import { type SQL, sql } from 'drizzle-orm'
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'
import type { Tx } from '../../shared/db/client.ts'
import { bucketStart, SECOND_MS } from './buckets.ts'
import {
  analyticsActiveUsers,
  analyticsBuckets,
  analyticsEventSeconds,
  analyticsJourneys,
  analyticsProductDays,
  type BucketCounter,
  EVENT_SECONDS_KEPT,
  type Granularity,
  type JourneyStep,
  type ProductCounter,
} from './schema.ts'

const BOTH: readonly Granularity[] = ['minute', 'day']

/** `SET column = column + excluded.column` for each counter an upsert adds to. */
function increments<K extends string>(
  columns: Record<K, SQLiteColumn>,
  keys: readonly K[],
): Record<K, SQL> {
  const set = {} as Record<K, SQL>
  for (const key of keys) {
    const column = columns[key]
    set[key] = sql`${column} + excluded.${sql.identifier(column.name)}`
  }
  return set
}

function nonZero<K extends string>(counters: Partial<Record<K, number>>): K[] {
  return (Object.keys(counters) as K[]).filter((k) => (counters[k] ?? 0) !== 0)
}

/** Adds counters to the minute and the day (or only `granularities`) that hold `at`. */
export async function addToBuckets(
  tx: Tx,
  at: number,
  counters: Partial<Record<BucketCounter, number>>,
  granularities: readonly Granularity[] = BOTH,
): Promise<void> {
  const keys = nonZero(counters)
  if (keys.length === 0 || granularities.length === 0) return
  const rows = granularities.map((granularity) => ({
    granularity,
    start: bucketStart(at, granularity),
    ...counters,
  }))
  await tx
    .insert(analyticsBuckets)
    .values(rows)
    .onConflictDoUpdate({
      target: [analyticsBuckets.granularity, analyticsBuckets.start],
      set: increments(analyticsBuckets as unknown as Record<BucketCounter, SQLiteColumn>, keys),
    })
}

/** Adds counters to a product's day. */
export async function addToProductDay(
  tx: Tx,
  at: number,
  productId: string,
  counters: Partial<Record<ProductCounter, number>>,
): Promise<void> {
  const keys = nonZero(counters)
  if (keys.length === 0) return
  await tx
    .insert(analyticsProductDays)
    .values({ day: bucketStart(at, 'day'), productId, ...counters })
    .onConflictDoUpdate({
      target: [analyticsProductDays.day, analyticsProductDays.productId],
      set: increments(
        analyticsProductDays as unknown as Record<ProductCounter, SQLiteColumn>,
        keys,
      ),
    })
}

/** Marks a user active in the minute and day of `at`; a bucket's count goes up on their first event in it. */
export async function markActive(tx: Tx, at: number, userHash: string): Promise<void> {
  const fresh = await tx
    .insert(analyticsActiveUsers)
    .values(
      BOTH.map((granularity) => ({ granularity, start: bucketStart(at, granularity), userHash })),
    )
    .onConflictDoNothing()
    .returning({ granularity: analyticsActiveUsers.granularity })
  await addToBuckets(
    tx,
    at,
    { activeUsers: 1 },
    fresh.map((f) => f.granularity),
  )
}

/** Records that a user reached a funnel step (with a product, or '' for a search) on the day of `at`. */
export async function markJourney(
  tx: Tx,
  at: number,
  userHash: string,
  step: JourneyStep,
  productId: string,
): Promise<void> {
  await tx
    .insert(analyticsJourneys)
    .values({ day: bucketStart(at, 'day'), step, userHash, productId })
    .onConflictDoNothing()
}

/**
 * Counts an event in its second's slot of the ring. A slot keeps its latest second: an event of a
 * newer second starts it over, one of an older second (an hour or more before) is left out.
 */
export async function countSecond(tx: Tx, at: number): Promise<void> {
  const second = Math.floor(at / SECOND_MS) * SECOND_MS
  const slot = (second / SECOND_MS) % EVENT_SECONDS_KEPT
  const t = analyticsEventSeconds
  // In an upsert's SET every column reads the row as it was, so `second` below is the old one.
  await tx
    .insert(t)
    .values({ slot, second, events: 1 })
    .onConflictDoUpdate({
      target: t.slot,
      set: {
        events: sql`case when excluded.second > ${t.second} then excluded.events when excluded.second = ${t.second} then ${t.events} + excluded.events else ${t.events} end`,
        second: sql`max(${t.second}, excluded.second)`,
      },
    })
}
