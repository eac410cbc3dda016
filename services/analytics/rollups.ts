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
/** Rows per statement: well under SQLite's limit on bound values. */
const ROWS_PER_STATEMENT = 200

type Counters<K extends string> = Partial<Record<K, number>>

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

/** Whether an event's counters move anything: one that moves nothing writes no row. */
function moves(counters: Counters<string>): boolean {
  return Object.values(counters).some((n) => (n ?? 0) !== 0)
}

/**
 * The rows that some event moved, each given every counter any of them names (0 where it adds
 * nothing), so that one statement writes them all. A row whose moves add up to 0 is still written:
 * event by event it would have been.
 */
function widened<K extends string, R extends { counters: Counters<K>; moved: boolean }>(
  adds: readonly R[],
): { keys: K[]; rows: (Omit<R, 'counters' | 'moved'> & Counters<K>)[] } {
  const moved = adds.filter((r) => r.moved)
  const keys = [...new Set(moved.flatMap((r) => Object.keys(r.counters) as K[]))]
  return {
    keys,
    rows: moved.map(
      ({ counters, moved: _, ...row }) =>
        ({
          ...row,
          ...Object.fromEntries(keys.map((k) => [k, counters[k] ?? 0])),
        }) as Omit<R, 'counters' | 'moved'> & Counters<K>,
    ),
  }
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = []
  for (let at = 0; at < items.length; at += ROWS_PER_STATEMENT)
    out.push(items.slice(at, at + ROWS_PER_STATEMENT))
  return out
}

interface BucketAdd {
  granularity: Granularity
  start: number
  counters: Counters<BucketCounter>
  /** Some event added a counter other than 0 to it. */
  moved: boolean
}

interface ProductDayAdd {
  day: number
  productId: string
  counters: Counters<ProductCounter>
  moved: boolean
}

/** Adds each row's counters to its bucket, in as few statements as the rows allow. */
async function addToBucketRows(tx: Tx, adds: readonly BucketAdd[]): Promise<void> {
  const { keys, rows } = widened<BucketCounter, BucketAdd>(adds)
  if (keys.length === 0) return
  const set = increments(analyticsBuckets as unknown as Record<BucketCounter, SQLiteColumn>, keys)
  for (const chunk of chunks(rows)) {
    await tx
      .insert(analyticsBuckets)
      .values(chunk)
      .onConflictDoUpdate({ target: [analyticsBuckets.granularity, analyticsBuckets.start], set })
  }
}

async function addToProductDayRows(tx: Tx, adds: readonly ProductDayAdd[]): Promise<void> {
  const { keys, rows } = widened<ProductCounter, ProductDayAdd>(adds)
  if (keys.length === 0) return
  const t = analyticsProductDays
  const set = increments(t as unknown as Record<ProductCounter, SQLiteColumn>, keys)
  for (const chunk of chunks(rows)) {
    await tx
      .insert(t)
      .values(chunk)
      .onConflictDoUpdate({ target: [t.day, t.productId], set })
  }
}

/** Adds counters to the minute and the day (or only `granularities`) that hold `at`. */
export function addToBuckets(
  tx: Tx,
  at: number,
  counters: Counters<BucketCounter>,
  granularities: readonly Granularity[] = BOTH,
): Promise<void> {
  return addToBucketRows(
    tx,
    granularities.map((granularity) => ({
      granularity,
      start: bucketStart(at, granularity),
      counters,
      moved: moves(counters),
    })),
  )
}

/** Adds counters to a product's day. */
export function addToProductDay(
  tx: Tx,
  at: number,
  productId: string,
  counters: Counters<ProductCounter>,
): Promise<void> {
  return addToProductDayRows(tx, [
    { day: bucketStart(at, 'day'), productId, counters, moved: moves(counters) },
  ])
}

function addInto<K extends string>(into: Counters<K>, counters: Counters<K>): void {
  for (const key of Object.keys(counters) as K[])
    into[key] = (into[key] ?? 0) + (counters[key] ?? 0)
}

/**
 * The roll-up writes of a run of events, gathered in memory and written together: one upsert per
 * table however many events share a bucket, a product's day or a second. Increments add up and
 * inserts-or-ignore are sets, so the rows end as they would event by event.
 */
export class RollupRun {
  readonly #buckets = new Map<string, BucketAdd>()
  readonly #productDays = new Map<string, ProductDayAdd>()
  /** Events per second of event time. */
  readonly #seconds = new Map<number, number>()
  readonly #active = new Map<
    string,
    { granularity: Granularity; start: number; userHash: string }
  >()
  readonly #journeys = new Map<
    string,
    { day: number; step: JourneyStep; userHash: string; productId: string }
  >()

  /** Adds counters to the minute and the day that hold `at`. */
  addToBuckets(at: number, counters: Counters<BucketCounter>): void {
    for (const granularity of BOTH)
      this.#addToBucket(granularity, bucketStart(at, granularity), counters)
  }

  #addToBucket(granularity: Granularity, start: number, counters: Counters<BucketCounter>): void {
    const key = `${granularity}:${start}`
    const add = this.#buckets.get(key) ?? { granularity, start, counters: {}, moved: false }
    addInto(add.counters, counters)
    add.moved ||= moves(counters)
    this.#buckets.set(key, add)
  }

  addToProductDay(at: number, productId: string, counters: Counters<ProductCounter>): void {
    const day = bucketStart(at, 'day')
    const key = `${day}:${productId}`
    const add = this.#productDays.get(key) ?? { day, productId, counters: {}, moved: false }
    addInto(add.counters, counters)
    add.moved ||= moves(counters)
    this.#productDays.set(key, add)
  }

  /** Counts an event in its second (the live events/s chart). */
  countSecond(at: number): void {
    const second = Math.floor(at / SECOND_MS) * SECOND_MS
    this.#seconds.set(second, (this.#seconds.get(second) ?? 0) + 1)
  }

  /** Marks a user active in the minute and day of `at`; a bucket's count goes up on their first event in it. */
  markActive(at: number, userHash: string): void {
    for (const granularity of BOTH) {
      const start = bucketStart(at, granularity)
      this.#active.set(`${granularity}:${start}:${userHash}`, { granularity, start, userHash })
    }
  }

  /** Records that a user reached a funnel step (with a product, or '' for a search) on the day of `at`. */
  markJourney(at: number, userHash: string, step: JourneyStep, productId: string): void {
    const day = bucketStart(at, 'day')
    this.#journeys.set(JSON.stringify([day, step, userHash, productId]), {
      day,
      step,
      userHash,
      productId,
    })
  }

  async write(tx: Tx): Promise<void> {
    // Users new to a bucket count in it: the rows this run inserted are those.
    for (const chunk of chunks([...this.#active.values()])) {
      const fresh = await tx
        .insert(analyticsActiveUsers)
        .values(chunk)
        .onConflictDoNothing()
        .returning({
          granularity: analyticsActiveUsers.granularity,
          start: analyticsActiveUsers.start,
        })
      for (const f of fresh) this.#addToBucket(f.granularity, f.start, { activeUsers: 1 })
    }
    await addToBucketRows(tx, [...this.#buckets.values()])
    await addToProductDayRows(tx, [...this.#productDays.values()])
    for (const chunk of chunks([...this.#journeys.values()]))
      await tx.insert(analyticsJourneys).values(chunk).onConflictDoNothing()
    for (const [second, events] of this.#seconds) await countSecond(tx, second, events)
  }
}

/**
 * Counts events in their second's slot of the ring. A slot keeps its latest second: events of a
 * newer second start it over, those of an older second (an hour or more before) are left out.
 */
async function countSecond(tx: Tx, second: number, events: number): Promise<void> {
  const slot = (second / SECOND_MS) % EVENT_SECONDS_KEPT
  const t = analyticsEventSeconds
  // In an upsert's SET every column reads the row as it was, so `second` below is the old one.
  await tx
    .insert(t)
    .values({ slot, second, events })
    .onConflictDoUpdate({
      target: t.slot,
      set: {
        events: sql`case when excluded.second > ${t.second} then excluded.events when excluded.second = ${t.second} then ${t.events} + excluded.events else ${t.events} end`,
        second: sql`max(${t.second}, excluded.second)`,
      },
    })
}
