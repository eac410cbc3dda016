import { readTopicToEnd } from '../bus/read.ts'
import type { BusRecord, ConsumedRecord, EventBus } from '../bus/types.ts'
import { dlqTopic } from '../events/topics.ts'

/** A dead letter as the tools and the dashboard show it. */
export interface DeadLetter {
  offset: bigint
  key: string | null
  eventId: string | null
  type: string | null
  reason: string | null
  error: string | null
  sourceTopic: string
  sourcePartition: number | null
  sourceOffset: bigint | null
  group: string | null
  attempts: number | null
  failedAt: string | null
  value: string
  record: ConsumedRecord
}

function optionalBigInt(value: string | undefined): bigint | null {
  return value === undefined || !/^\d+$/.test(value) ? null : BigInt(value)
}

function toDeadLetter(r: ConsumedRecord, sourceTopic: string): DeadLetter {
  const h = r.headers
  return {
    offset: r.offset,
    key: r.key,
    eventId: h.ce_id ?? null,
    type: h.ce_type ?? null,
    reason: h.dlq_reason ?? null,
    error: h.dlq_error ?? null,
    sourceTopic: h.dlq_source_topic ?? sourceTopic,
    sourcePartition: h.dlq_source_partition === undefined ? null : Number(h.dlq_source_partition),
    sourceOffset: optionalBigInt(h.dlq_source_offset),
    group: h.dlq_group ?? null,
    attempts: h.dlq_attempts === undefined ? null : Number(h.dlq_attempts),
    failedAt: h.dlq_failed_at ?? null,
    value: r.value,
    record: r,
  }
}

/** The name of a source topic's DLQ; accepts either the source topic or the DLQ itself. */
export function deadLetterTopic(topic: string): { source: string; dlq: string } {
  return topic.endsWith('.dlq')
    ? { source: topic.slice(0, -'.dlq'.length), dlq: topic }
    : { source: topic, dlq: dlqTopic(topic) }
}

/** Every dead letter of a topic's DLQ, oldest first, with why and where it failed. */
export async function listDeadLetters(bus: EventBus, topic: string): Promise<DeadLetter[]> {
  const { source, dlq } = deadLetterTopic(topic)
  const records = await readTopicToEnd(bus, dlq)
  return records.map((r) => toDeadLetter(r, source))
}

/** The record to publish again: the original key, value and headers, without the `dlq_*` ones. */
export function replayRecordOf(letter: DeadLetter, dlq: string): BusRecord {
  const headers = Object.fromEntries(
    Object.entries(letter.record.headers).filter(([k]) => !k.startsWith('dlq_')),
  )
  return {
    topic: letter.sourceTopic,
    key: letter.key,
    value: letter.value,
    headers: { ...headers, replayed_from: `${dlq}@${letter.offset}` },
  }
}

/**
 * Publishes dead letters back to their source topic — one (by its DLQ offset) or all. They keep
 * their event id, so a group that already applied an event skips it: a replay applies once.
 */
export async function replayDeadLetters(
  bus: EventBus,
  topic: string,
  opts: { offset?: bigint } = {},
): Promise<DeadLetter[]> {
  const { dlq } = deadLetterTopic(topic)
  const letters = await listDeadLetters(bus, topic)
  const chosen =
    opts.offset === undefined ? letters : letters.filter((l) => l.offset === opts.offset)
  if (opts.offset !== undefined && chosen.length === 0)
    throw new Error(`${dlq} has no record at offset ${opts.offset}`)
  await bus.publish(chosen.map((l) => replayRecordOf(l, dlq)))
  return chosen
}
