import { canRetry } from '../errors.ts'
import { dlqTopic } from '../events/topics.ts'
import type { BusRecord, ConsumedRecord, RecordHandler } from './types.ts'

export interface DeliveryPolicy {
  maxAttempts: number
  retryBaseMs: number
  /** Stops retrying early when the subscription is closing. */
  signal?: AbortSignal
}

export type DeliveryOutcome =
  | { ok: true; attempts: number }
  | { ok: false; attempts: number; error: unknown }

const MAX_BACKOFF_MS = 5000

export function backoffMs(attempt: number, baseMs: number): number {
  const exp = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1))
  return exp / 2 + Math.random() * (exp / 2)
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}

/** Runs a handler with exponential backoff; errors that cannot be retried fail at once. */
export async function deliver(
  record: ConsumedRecord,
  handler: RecordHandler,
  policy: DeliveryPolicy,
): Promise<DeliveryOutcome> {
  let attempt = 0
  for (;;) {
    attempt++
    try {
      await handler(record)
      return { ok: true, attempts: attempt }
    } catch (error) {
      if (attempt >= policy.maxAttempts || !canRetry(error) || policy.signal?.aborted) {
        return { ok: false, attempts: attempt, error }
      }
      await sleep(backoffMs(attempt, policy.retryBaseMs), policy.signal)
    }
  }
}

/** The dead letter of a record: same key, value and headers, plus why and where it failed. */
export function deadLetter(
  record: ConsumedRecord,
  group: string,
  error: unknown,
  attempts: number,
): BusRecord {
  const err = error instanceof Error ? error : new Error(String(error))
  return {
    topic: dlqTopic(record.topic),
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      dlq_error: err.message.slice(0, 2000),
      dlq_error_type: err.name,
      dlq_source_topic: record.topic,
      dlq_source_partition: String(record.partition),
      dlq_source_offset: String(record.offset),
      dlq_group: group,
      dlq_attempts: String(attempts),
      dlq_failed_at: new Date().toISOString(),
    },
  }
}
