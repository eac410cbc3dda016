import { and, gt, lte, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import type { Db, Writer } from '../db/client.ts'
import { type EventEnvelope, recordOf } from '../events/envelope.ts'
import { outbox, outboxRejected, outboxRelay, processedEvents } from './schema.ts'
import type { BusRecord } from './types.ts'

export interface OutboxRow {
  seq: number
  record: BusRecord
}

/** Rows per INSERT: one multi-row statement costs far less than many single-row ones. */
const INSERT_CHUNK = 100

/**
 * The statements that put events in the outbox; run them in the same `db.batch` as the state
 * change that caused them, so both commit or neither does. A repeated event id is ignored.
 */
export function outboxInserts(w: Writer, events: EventEnvelope[]): BatchItem<'sqlite'>[] {
  const now = Date.now()
  const statements: BatchItem<'sqlite'>[] = []
  for (let i = 0; i < events.length; i += INSERT_CHUNK) {
    const rows = events.slice(i, i + INSERT_CHUNK).map((e) => ({
      eventId: e.id,
      topic: e.topic,
      key: e.key,
      type: e.type,
      source: e.source,
      time: e.time,
      data: JSON.stringify(e.data),
      createdAt: now,
    }))
    statements.push(w.insert(outbox).values(rows).onConflictDoNothing({ target: outbox.eventId }))
  }
  return statements
}

/** The events after `afterSeq`, in the order they were written. */
export async function pendingEvents(db: Db, afterSeq: number, limit: number): Promise<OutboxRow[]> {
  // The relay's hot path: a raw select costs about half of drizzle's row mapping here.
  const result = await db.$client.execute({
    sql: 'select seq, event_id, topic, key, type, source, time, data, created_at from outbox where seq > ? order by seq limit ?',
    args: [afterSeq, limit],
  })
  return result.rows.map((r) => ({
    seq: Number(r.seq),
    record: {
      ...recordOf({
        id: String(r.event_id),
        type: String(r.type),
        source: String(r.source),
        time: String(r.time),
        key: r.key === null ? '' : String(r.key),
        topic: String(r.topic),
        data: String(r.data),
      }),
      // The broker's timestamp is when we accepted the event: a client's clock must not decide
      // retention or be refused as too far in the future. `ce_time` keeps when it happened.
      timestamp: Number(r.created_at),
    },
  }))
}

/** The approximate size of a record on the wire, for keeping a produce request under the broker's limit. */
export function recordBytes(record: BusRecord): number {
  let n = record.value.length + (record.key?.length ?? 0) + 64
  for (const [k, v] of Object.entries(record.headers)) n += k.length + v.length + 8
  return n
}

/** Sets aside events the broker refused for good, with the reason. */
export async function rejectEvents(db: Db, rows: OutboxRow[], error: string): Promise<void> {
  if (rows.length === 0) return
  const now = Date.now()
  await db
    .insert(outboxRejected)
    .values(
      rows.map((r) => ({
        seq: r.seq,
        eventId: r.record.headers.ce_id ?? '',
        topic: r.record.topic,
        key: r.record.key,
        value: r.record.value,
        headers: r.record.headers,
        error,
        rejectedAt: now,
      })),
    )
    .onConflictDoNothing()
}

/** How old the oldest unpublished event is, in seconds (0 when none waits). */
export async function oldestPendingAgeSeconds(db: Db): Promise<number> {
  const result = await db.$client.execute(
    "select created_at from outbox where seq > coalesce((select published_seq from outbox_relay where name = 'relay'), 0) order by seq limit 1",
  )
  const created = result.rows[0]?.created_at
  return created === undefined || created === null
    ? 0
    : Math.max(0, (Date.now() - Number(created)) / 1000)
}

/** How far the relay has published. */
export async function publishedSeq(db: Db): Promise<number> {
  const [row] = await db
    .select({ seq: outboxRelay.publishedSeq })
    .from(outboxRelay)
    .where(sql`${outboxRelay.name} = 'relay'`)
  return row?.seq ?? 0
}

/** Events written but not yet published. */
export async function outboxDepth(db: Db): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(outbox)
    .where(
      gt(
        outbox.seq,
        sql`coalesce((select ${outboxRelay.publishedSeq} from ${outboxRelay} where ${outboxRelay.name} = 'relay'), 0)`,
      ),
    )
  return Number(row?.n ?? 0)
}

/** Deletes published events older than the retention, which also bounds how long a repeated id is recognised. */
export async function prunePublished(db: Db, upToSeq: number, olderThanMs: number): Promise<void> {
  await db
    .delete(outbox)
    .where(and(lte(outbox.seq, upToSeq), sql`${outbox.createdAt} < ${Date.now() - olderThanMs}`))
}

/**
 * Applies an effect once per consumer group and event id: the processed-event row and the effect
 * commit in one transaction, so a redelivered event changes nothing. Returns false for a repeat.
 */
export async function applyOnce(
  db: Db,
  group: string,
  eventId: string,
  effect: (tx: Parameters<Parameters<Db['transaction']>[0]>[0]) => Promise<void>,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(processedEvents)
      .values({ groupId: group, eventId, processedAt: Date.now() })
      .onConflictDoNothing()
      .returning({ eventId: processedEvents.eventId })
    if (inserted.length === 0) return false
    await effect(tx)
    return true
  })
}
