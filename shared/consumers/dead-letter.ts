import { outbox } from '../bus/schema.ts'
import type { Writer } from '../db/client.ts'
import type { BusRecord, ConsumedRecord } from '../events/record.ts'
import { dlqTopic } from '../events/topics.ts'
import { describeError } from './retry.ts'

/** Why a record was dead-lettered: it never parsed, or its handler kept failing. */
export type DeadLetterReason = 'unparseable' | 'unknown-type' | 'failed'

export interface DeadLetterCause {
  reason: DeadLetterReason
  error: unknown
  attempts: number
  group: string
}

/** The dead letter of a record: same key, value and headers, plus why and where it failed. */
export function deadLetterOf(record: ConsumedRecord, cause: DeadLetterCause): BusRecord {
  const err = cause.error instanceof Error ? cause.error : new Error(String(cause.error))
  return {
    topic: dlqTopic(record.topic),
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      dlq_reason: cause.reason,
      dlq_error: describeError(cause.error).slice(0, 2000),
      dlq_error_type: err.name,
      dlq_source_topic: record.topic,
      dlq_source_partition: String(record.partition),
      dlq_source_offset: String(record.offset),
      dlq_group: cause.group,
      dlq_attempts: String(cause.attempts),
      dlq_failed_at: new Date().toISOString(),
    },
  }
}

/**
 * Puts a dead letter in the outbox, so it is as durable as any event and the relay publishes it:
 * a DLQ topic that is missing or a broker that is down never wedges the consumer's partition.
 * The id is derived from the record's place, so a redelivered record is dead-lettered once.
 */
export async function writeDeadLetter(
  w: Writer,
  record: ConsumedRecord,
  cause: DeadLetterCause,
): Promise<void> {
  const letter = deadLetterOf(record, cause)
  await w
    .insert(outbox)
    .values({
      eventId: `dlq:${cause.group}:${record.topic}:${record.partition}:${record.offset}`,
      topic: letter.topic,
      key: letter.key,
      type: record.headers.ce_type ?? 'unknown',
      source: record.headers.ce_source ?? 'unknown',
      time: record.headers.ce_time ?? new Date(record.timestamp).toISOString(),
      data: letter.value,
      createdAt: Date.now(),
      headers: letter.headers,
    })
    .onConflictDoNothing({ target: outbox.eventId })
}
