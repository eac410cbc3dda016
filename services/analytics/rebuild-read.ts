// Reading a rebuild's stretch of the log: a throwaway group placed at the requested position reads
// every partition of the topics up to the end offsets of a given moment, hands the records over
// in batches, and leaves no group behind.
import type { ConsumedRecord, EventBus, SeekPosition } from '../../shared/bus/types.ts'

const BATCH = 250

export interface StretchOptions {
  bus: EventBus
  /** A group of its own, already placed at the stretch's start on every topic (`placeReader`). */
  group: string
  topics: readonly string[]
  /** Where each partition's stretch ends (its end offset at the chosen moment). */
  ends: Map<string, bigint>
  /** Applies a batch of records; a failure ends the reading with that error. */
  apply(records: ConsumedRecord[]): Promise<void>
  signal?: AbortSignal
  timeoutMs: number
}

export const partitionKey = (topic: string, partition: number) => `${topic}/${partition}`

/** Places a new group at `from` on every topic: where the stretch starts. */
export async function placeReader(
  bus: EventBus,
  group: string,
  topics: readonly string[],
  from: SeekPosition,
): Promise<void> {
  for (const topic of topics) await bus.seek(group, topic, from)
}

/** The end offset of every partition of the topics, now. */
export async function endOffsets(
  bus: EventBus,
  topics: readonly string[],
): Promise<Map<string, bigint>> {
  const described = await bus.describeTopics([...topics])
  return new Map(
    described.flatMap((t) => t.partitions.map((p) => [partitionKey(t.name, p.partition), p.end])),
  )
}

/** Reads the stretch and applies it in order per partition, in batches; resolves when all is applied. */
export async function readStretch(opts: StretchOptions): Promise<void> {
  const { bus, group, topics, ends } = opts
  // Where each partition starts: the group's committed offset, as placing it left it.
  const next = new Map<string, bigint>()
  for (const p of await bus.lag(group, [...topics])) {
    next.set(partitionKey(p.topic, p.partition), p.committed ?? 0n)
  }
  const reached = () => [...ends].every(([key, end]) => (next.get(key) ?? end) >= end)
  if (reached()) return

  const done = Promise.withResolvers<void>()
  let batch: ConsumedRecord[] = []
  let flushing: Promise<void> = Promise.resolve()
  const flush = () => {
    const taken = batch
    batch = []
    flushing = flushing.then(() => (taken.length > 0 ? opts.apply(taken) : undefined))
    return flushing
  }
  const subscription = await bus.subscribe({
    group,
    topics: [...topics],
    handler: async (record) => {
      const key = partitionKey(record.topic, record.partition)
      const end = ends.get(key) ?? 0n
      try {
        if (record.offset < end) batch.push(record)
        next.set(key, record.offset + 1n)
        if (reached()) {
          await flush()
          done.resolve()
        } else if (batch.length >= BATCH) {
          await flush()
        }
      } catch (error) {
        done.reject(error)
      }
    },
  })
  const stop = () => done.reject(opts.signal?.reason ?? new Error('The rebuild was stopped'))
  opts.signal?.addEventListener('abort', stop, { once: true })
  const timer = setTimeout(
    () => done.reject(new Error(`The rebuild took longer than ${opts.timeoutMs} ms`)),
    opts.timeoutMs,
  )
  try {
    await done.promise
  } finally {
    clearTimeout(timer)
    opts.signal?.removeEventListener('abort', stop)
    await subscription.close()
    await flushing.catch(() => {})
  }
}
