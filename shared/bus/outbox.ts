import { and, asc, count, isNull, lt, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import type { Db } from '../db/client.ts'
import { type EventEnvelope, toRecord } from '../events/envelope.ts'
import { outbox, processedEvents } from './schema.ts'
import type { BusRecord } from './types.ts'

export interface OutboxRow {
  seq: number
  eventId: string
  record: BusRecord
}

/** Rows are inserted 100 at a time: one multi-row INSERT costs far less than many single ones. */
const INSERT_CHUNK = 100

/**
 * The statements that put events in the outbox; run them in the same `db.batch` as the state
 * change that caused them. An event id already in the outbox is ignored, so a retried request
 * adds nothing.
 */
export function outboxInserts(db: Db, events: EventEnvelope[]): BatchItem<'sqlite'>[] {
  const now = Date.now()
  const statements: BatchItem<'sqlite'>[] = []
  for (let i = 0; i < events.length; i += INSERT_CHUNK) {
    const rows = events.slice(i, i + INSERT_CHUNK).map((event) => {
      const record = toRecord(event)
      return {
        eventId: event.id,
        topic: record.topic,
        key: record.key,
        value: record.value,
        headers: record.headers,
        createdAt: now,
      }
    })
    statements.push(db.insert(outbox).values(rows).onConflictDoNothing({ target: outbox.eventId }))
  }
  return statements
}

/** Writes events to the outbox on their own, when no other state changes with them. Returns how many were new. */
export async function enqueueEvents(db: Db, events: EventEnvelope[]): Promise<number> {
  const statements = outboxInserts(db, events)
  const [first, ...rest] = statements
  if (!first) return 0
  const results = (await db.batch([first, ...rest])) as { rowsAffected: number }[]
  return results.reduce((n, r) => n + r.rowsAffected, 0)
}

/** The oldest unpublished events, in the order they were written. */
export async function pendingEvents(db: Db, limit: number): Promise<OutboxRow[]> {
  const rows = await db
    .select()
    .from(outbox)
    .where(isNull(outbox.publishedAt))
    .orderBy(asc(outbox.seq))
    .limit(limit)
  return rows.map((r) => ({
    seq: r.seq,
    eventId: r.eventId,
    record: { topic: r.topic, key: r.key, value: r.value, headers: r.headers, timestamp: r.createdAt },
  }))
}

export async function markPublished(db: Db, seqs: number[]): Promise<void> {
  if (seqs.length === 0) return
  const first = seqs[0] as number
  const last = seqs[seqs.length - 1] as number
  await db
    .update(outbox)
    .set({ publishedAt: Date.now() })
    .where(and(isNull(outbox.publishedAt), sql`${outbox.seq} between ${first} and ${last}`))
}

export async function outboxDepth(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(outbox).where(isNull(outbox.publishedAt))
  return row?.n ?? 0
}

/** Deletes published events older than the retention, which also bounds how long a repeated id is recognised. */
export async function prunePublished(db: Db, olderThanMs: number): Promise<void> {
  await db.delete(outbox).where(lt(outbox.publishedAt, Date.now() - olderThanMs))
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
