// What the admin's Sagas tab shows: how many sagas are under way, completed, failed or
// compensated, how long they took, and one saga's timeline. Read-only; ranges are by when the
// order was placed.
import { and, asc, desc, eq, gte, lt, type SQL, sql } from 'drizzle-orm'
import type { Db } from '../../shared/db/client.ts'
import { orderSagas, orderSteps } from './schema.ts'

/**
 * Where a saga is, as an operator asks: still moving forward, undoing what it did, completed,
 * failed with nothing to undo (a declined card at the first step), or cancelled after undoing
 * at least one step.
 */
export const SAGA_PROGRESS = [
  'in_flight',
  'compensating',
  'completed',
  'failed',
  'compensated',
] as const
export type SagaProgress = (typeof SAGA_PROGRESS)[number]

export interface SagaRange {
  /** Orders placed at or after this time (ms since the epoch). */
  from?: number
  /** Orders placed before this time. */
  to?: number
}

export interface DurationFigures {
  count: number
  p50Ms: number | null
  p95Ms: number | null
  maxMs: number | null
}

export interface SagaOverview {
  counts: Record<SagaProgress, number>
  /** Placed → finished, per finished state. */
  durations: Record<'completed' | 'failed' | 'compensated', DurationFigures>
  /** Why sagas were cancelled, most frequent first. */
  reasons: { reason: string; count: number }[]
  /** The saga under way the longest: where a stuck one shows first. */
  oldestInFlight: { orderId: string; step: string | null; ageMs: number } | null
}

export interface SagaListItem {
  orderId: string
  userId: string
  progress: SagaProgress
  status: string
  step: string | null
  attempt: number
  reason: string | null
  createdAt: number
  finishedAt: number | null
  /** Placed → finished, or placed → now while under way. */
  durationMs: number
}

export interface TimelineEntry {
  step: string
  outcome: string
  detail: string | null
  at: number
  /** Since the order was placed. */
  sinceStartMs: number
  /** For an outcome that ends a step: since that step started, its retries included. */
  durationMs: number | null
}

const compensatedAny = sql`exists (select 1 from ${orderSteps} where ${orderSteps.orderId} = ${orderSagas.orderId} and ${orderSteps.outcome} = 'compensated')`

const progressOf = sql<SagaProgress>`case
  when ${orderSagas.phase} = 'forward' then 'in_flight'
  when ${orderSagas.phase} = 'compensating' then 'compensating'
  when ${orderSagas.status} = 'completed' then 'completed'
  when ${compensatedAny} then 'compensated'
  else 'failed' end`

const listColumns = {
  orderId: orderSagas.orderId,
  userId: orderSagas.userId,
  progress: progressOf,
  status: orderSagas.status,
  step: orderSagas.step,
  attempt: orderSagas.attempt,
  reason: orderSagas.reason,
  createdAt: orderSagas.createdAt,
  finishedAt: orderSagas.finishedAt,
}

function listItem(row: Omit<SagaListItem, 'durationMs'>, now: number): SagaListItem {
  return { ...row, durationMs: (row.finishedAt ?? now) - row.createdAt }
}

function inRange(range: SagaRange): SQL | undefined {
  return and(
    range.from === undefined ? undefined : gte(orderSagas.createdAt, range.from),
    range.to === undefined ? undefined : lt(orderSagas.createdAt, range.to),
  )
}

/** Counts, durations and reasons of the sagas of orders placed in the range. */
export async function sagaOverview(
  db: Db,
  range: SagaRange = {},
  now = Date.now(),
): Promise<SagaOverview> {
  const where = inRange(range)
  const counted = await db
    .select({ progress: progressOf, count: sql<number>`count(*)` })
    .from(orderSagas)
    .where(where)
    .groupBy(progressOf)
  const counts = Object.fromEntries(SAGA_PROGRESS.map((s) => [s, 0])) as Record<
    SagaProgress,
    number
  >
  for (const row of counted) counts[row.progress] = Number(row.count)

  const durations = {
    completed: await durationFigures(db, where, 'completed', counts.completed),
    failed: await durationFigures(db, where, 'failed', counts.failed),
    compensated: await durationFigures(db, where, 'compensated', counts.compensated),
  }
  const reasons = await db
    .select({ reason: orderSagas.reason, count: sql<number>`count(*)` })
    .from(orderSagas)
    .where(and(where, eq(orderSagas.status, 'cancelled')))
    .groupBy(orderSagas.reason)
    .orderBy(desc(sql`count(*)`), asc(orderSagas.reason))
  const [oldest] = await db
    .select({
      orderId: orderSagas.orderId,
      step: orderSagas.step,
      createdAt: orderSagas.createdAt,
    })
    .from(orderSagas)
    .where(and(where, sql`${orderSagas.phase} <> 'done'`))
    .orderBy(asc(orderSagas.createdAt))
    .limit(1)
  return {
    counts,
    durations,
    reasons: reasons.map((r) => ({ reason: r.reason ?? 'unknown', count: Number(r.count) })),
    oldestInFlight: oldest
      ? { orderId: oldest.orderId, step: oldest.step, ageMs: now - oldest.createdAt }
      : null,
  }
}

/** Percentiles by rank in the database: an admin's range may hold many thousands of sagas. */
async function durationFigures(
  db: Db,
  where: SQL | undefined,
  state: 'completed' | 'failed' | 'compensated',
  count: number,
): Promise<DurationFigures> {
  if (count === 0) return { count, p50Ms: null, p95Ms: null, maxMs: null }
  const duration = sql<number>`${orderSagas.finishedAt} - ${orderSagas.createdAt}`
  const at = async (rank: number) => {
    const [row] = await db
      .select({ ms: duration })
      .from(orderSagas)
      .where(and(where, sql`${progressOf} = ${state}`))
      .orderBy(asc(duration))
      .limit(1)
      .offset(rank)
    return row ? Number(row.ms) : null
  }
  // Nearest rank: the smallest duration at least p of the sagas took no longer than.
  const rank = (p: number) => Math.max(0, Math.ceil(p * count) - 1)
  return {
    count,
    p50Ms: await at(rank(0.5)),
    p95Ms: await at(rank(0.95)),
    maxMs: await at(count - 1),
  }
}

/** Sagas in the range, newest first, optionally of one state. */
export async function listSagas(
  db: Db,
  opts: SagaRange & { progress?: SagaProgress; limit?: number; offset?: number } = {},
  now = Date.now(),
): Promise<SagaListItem[]> {
  const rows = await db
    .select(listColumns)
    .from(orderSagas)
    .where(and(inRange(opts), opts.progress ? sql`${progressOf} = ${opts.progress}` : undefined))
    .orderBy(desc(orderSagas.createdAt), desc(orderSagas.orderId))
    .limit(opts.limit ?? 50)
    .offset(opts.offset ?? 0)
  return rows.map((r) => listItem(r, now))
}

const ENDS_A_STEP = new Set(['succeeded', 'failed', 'timed_out', 'compensated'])

/** One saga's steps in order, each with when it happened and how long its step took. */
export async function sagaTimeline(
  db: Db,
  orderId: string,
  now = Date.now(),
): Promise<{ saga: SagaListItem; steps: TimelineEntry[] } | null> {
  const [row] = await db.select(listColumns).from(orderSagas).where(eq(orderSagas.orderId, orderId))
  if (!row) return null
  const saga = listItem(row, now)
  const rows = await db
    .select()
    .from(orderSteps)
    .where(eq(orderSteps.orderId, orderId))
    .orderBy(asc(orderSteps.id))
  const startedAt = new Map<string, number>()
  const steps = rows.map((row): TimelineEntry => {
    const begun = startedAt.get(row.step)
    if (row.outcome === 'started') startedAt.set(row.step, row.at)
    return {
      step: row.step,
      outcome: row.outcome,
      detail: row.detail,
      at: row.at,
      sinceStartMs: row.at - saga.createdAt,
      durationMs: ENDS_A_STEP.has(row.outcome) && begun !== undefined ? row.at - begun : null,
    }
  })
  return { saga, steps }
}
