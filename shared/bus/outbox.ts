import { lte } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import type { Db, Writer } from '../db/client.ts'
import { type EventEnvelope, recordOf } from '../events/envelope.ts'
import { outbox, outboxRejected } from './schema.ts'
import type { BusRecord } from './types.ts'

export interface OutboxRow {
  seq: number
  eventId: string
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

/**
 * The events after `afterSeq` that still wait, in the order they were written: rows a topic cursor
 * has already covered are skipped, and so are the topics in `skipTopics` (parked by the relay).
 */
export async function pendingEvents(
  db: Db,
  afterSeq: number,
  limit: number,
  skipTopics: string[] = [],
): Promise<OutboxRow[]> {
  // The relay's hot path. The whole batch comes back as one JSON array in one value: read row by
  // row, each column crossing into JS on its own, the same rows cost the relay about twice the CPU.
  const skip =
    skipTopics.length > 0 ? `and o.topic not in (${skipTopics.map(() => '?').join(',')})` : ''
  const result = await db.$client.execute({
    sql: `select json_group_array(json_array(seq, event_id, topic, key, type, source, time, data, created_at, headers)) as batch
      from (select o.* from outbox o left join outbox_topic_cursors c on c.topic = o.topic
        where o.seq > ? and (c.published_seq is null or o.seq > c.published_seq) ${skip}
        order by o.seq limit ?)`,
    args: [afterSeq, ...skipTopics, limit],
  })
  const rows = JSON.parse(String(result.rows[0]?.batch ?? '[]')) as PendingRow[]
  // The aggregate keeps the subquery's order in practice, but SQL does not promise it.
  rows.sort((a, b) => a[0] - b[0])
  return rows.map(([seq, eventId, topic, key, type, source, time, data, createdAt, headers]) => {
    // The broker's timestamp is when we accepted the event: a client's clock must not decide
    // retention or be refused as too far in the future. `ce_time` keeps when it happened.
    const timestamp = createdAt
    const k = key ?? ''
    // A row with its own headers (a dead letter) goes out as it was: its data and those headers.
    if (headers !== null) {
      const parsed = JSON.parse(headers) as Record<string, string>
      return { seq, eventId, record: { topic, key: k, value: data, headers: parsed, timestamp } }
    }
    const record = recordOf({ id: eventId, type, source, time, key: k, topic, data })
    record.timestamp = timestamp
    return { seq, eventId, record }
  })
}

/** One outbox row as `pendingEvents` reads it: its columns in order, as one JSON array. */
type PendingRow = [
  seq: number,
  eventId: string,
  topic: string,
  key: string | null,
  type: string,
  source: string,
  time: string,
  data: string,
  createdAt: number,
  headers: string | null,
]

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
        eventId: r.eventId,
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

/**
 * Records what the relay published: its cursor (never moved back) and the topics that went out
 * ahead of it; topic cursors the main one has caught up with are dropped. Nothing is written unless
 * `owner` still holds the lease; returns the cursor as it now stands, or null when it does not.
 */
export async function advanceCursors(
  db: Db,
  owner: string,
  publishedSeq: number,
  ahead: { topic: string; seq: number }[],
): Promise<number | null> {
  const holds = "exists (select 1 from outbox_relay where name = 'relay' and owner = ?)"
  const results = await db.$client.batch(
    [
      {
        sql: "update outbox_relay set published_seq = max(published_seq, ?) where name = 'relay' and owner = ? returning published_seq",
        args: [publishedSeq, owner],
      },
      ...ahead.map(({ topic, seq }) => ({
        sql: `insert into outbox_topic_cursors (topic, published_seq) select ?, ? where ${holds}
          on conflict (topic) do update set published_seq = max(published_seq, excluded.published_seq)`,
        args: [topic, seq, owner],
      })),
      "delete from outbox_topic_cursors where published_seq <= (select published_seq from outbox_relay where name = 'relay')",
    ],
    'write',
  )
  const row = results[0]?.rows[0]
  return row ? Number(row.published_seq) : null
}

// Rows still to publish: after the relay's cursor and not covered by their topic's cursor.
const WAITING = `from outbox o left join outbox_topic_cursors c on c.topic = o.topic
  where o.seq > coalesce((select published_seq from outbox_relay where name = 'relay'), 0)
    and (c.published_seq is null or o.seq > c.published_seq)`

/** How old the oldest unpublished event is, in seconds (0 when none waits). */
export async function oldestPendingAgeSeconds(db: Db): Promise<number> {
  const result = await db.$client.execute(`select o.created_at ${WAITING} order by o.seq limit 1`)
  const created = result.rows[0]?.created_at
  return created === undefined || created === null
    ? 0
    : Math.max(0, (Date.now() - Number(created)) / 1000)
}

/** Events written but not yet published. */
export async function outboxDepth(db: Db): Promise<number> {
  const result = await db.$client.execute(`select count(*) as n ${WAITING}`)
  return Number(result.rows[0]?.n ?? 0)
}

/** Deletes published events older than the retention, which also bounds how long a repeated id is recognised. */
export async function prunePublished(db: Db, upToSeq: number, olderThanMs: number): Promise<void> {
  // `created_at` grows with `seq`, so the rows to go are a prefix of the table: find where it ends
  // (reading only the rows that go, not every one retained) and delete by `seq`, the primary key.
  const firstKept = await db.$client.execute({
    sql: 'select seq from outbox where seq <= ? and created_at >= ? order by seq limit 1',
    args: [upToSeq, Date.now() - olderThanMs],
  })
  const kept = firstKept.rows[0]?.seq
  const through = kept === undefined ? upToSeq : Number(kept) - 1
  await db.delete(outbox).where(lte(outbox.seq, through))
}
