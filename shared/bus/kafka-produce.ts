// What KafkaBus.publish needs to know which records a failed produce request wrote: the partition
// of every record, chosen by us, and the partitions the broker's answer says it wrote.
import { murmur2 } from '@platformatic/kafka'
import type { BusRecord } from './types.ts'

/**
 * The partition Kafka's Java client picks for a key: a client in another language, a Kafka Streams
 * job or a connector hashing the same key lands on the same partition.
 */
export function javaPartition(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions
}

/**
 * Chooses each record's partition as Kafka's Java client would, so that a refusal of some
 * partitions maps back to the records that were not written. Partition counts are kept for a
 * while: metadata on every publish would double its cost.
 */
export class RecordPartitioner {
  readonly #load: (topics: string[]) => Promise<Map<string, number>>
  readonly #maxAgeMs: number
  readonly #known = new Map<string, { count: number; at: number }>()
  readonly #roundRobin = new Map<string, number>()

  constructor(load: (topics: string[]) => Promise<Map<string, number>>, maxAgeMs = 60_000) {
    this.#load = load
    this.#maxAgeMs = maxAgeMs
  }

  async assign(records: BusRecord[]): Promise<number[]> {
    const now = Date.now()
    const topics = new Set(records.map((r) => r.topic))
    const stale = [...topics].filter((t) => (this.#known.get(t)?.at ?? 0) < now - this.#maxAgeMs)
    if (stale.length > 0) {
      for (const [topic, count] of await this.#load(stale))
        this.#known.set(topic, { count, at: now })
    }
    return records.map((r) => {
      const count = this.#known.get(r.topic)?.count
      if (!count) throw new Error(`No partition count for topic ${r.topic}`)
      if (r.key !== null) return javaPartition(r.key, count)
      const next = this.#roundRobin.get(r.topic) ?? 0
      this.#roundRobin.set(r.topic, next + 1)
      return next % count
    })
  }

  /** Reads these topics' partition counts again next time (after a failure: they may have changed). */
  forget(topics: Iterable<string>): void {
    for (const topic of topics) this.#known.delete(topic)
  }
}

// Broker answers that no retry can change: the record itself is wrong.
const PERMANENT = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_TIMESTAMP',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
])

/** The permanent protocol error somewhere in a (possibly aggregated) produce failure, if any. */
export function permanentRejection(error: unknown, depth = 0): string | null {
  if (!error || typeof error !== 'object' || depth > 5) return null
  const { apiId, errors, cause } = error as { apiId?: string; errors?: unknown[]; cause?: unknown }
  if (apiId && PERMANENT.has(apiId)) return apiId
  for (const inner of [...(Array.isArray(errors) ? errors : []), cause]) {
    const found = permanentRejection(inner, depth + 1)
    if (found) return found
  }
  return null
}

export const partitionKey = (topic: string, partition: number) => `${topic}:${partition}`

interface ProduceResponse {
  responses: { name: string; partitionResponses: { index: number; errorCode: number }[] }[]
}

function isProduceResponse(value: unknown): value is ProduceResponse {
  const responses = (value as { responses?: unknown } | null)?.responses
  return (
    Array.isArray(responses) &&
    responses.every((r) =>
      Array.isArray((r as { partitionResponses?: unknown }).partitionResponses),
    )
  )
}

/**
 * The partitions a failed `producer.send` wrote, as `topic:partition`. The client sends one request
 * per broker and the broker writes or refuses each partition's batch whole: the requests that
 * succeeded list their partitions in `error.produced`, and a broker's error answer (a ResponseError,
 * possibly wrapped once per retry) gives each partition's error code, 0 where it was written. What
 * the error does not show as written (a lost connection) counts as not written.
 */
export function writtenPartitions(error: unknown): Set<string> {
  const written = new Set<string>()
  const produced = (error as { produced?: { offsets?: { topic: string; partition: number }[] } })
    ?.produced
  for (const o of produced?.offsets ?? []) written.add(partitionKey(o.topic, o.partition))
  const visit = (e: unknown, depth: number) => {
    if (!e || typeof e !== 'object' || depth > 6) return
    const { response, errors, cause } = e as {
      response?: unknown
      errors?: unknown
      cause?: unknown
    }
    if (isProduceResponse(response)) {
      for (const topic of response.responses) {
        for (const p of topic.partitionResponses) {
          if (p.errorCode === 0) written.add(partitionKey(topic.name, p.index))
        }
      }
    }
    for (const inner of Array.isArray(errors) ? errors : []) visit(inner, depth + 1)
    visit(cause, depth + 1)
  }
  visit(error, 0)
  return written
}
