import type { ConsumedRecord, EventBus } from './types.ts'

/** Groups of one-off readers: not consumers anyone needs to watch (lag reports skip them). */
export const READER_GROUP_PREFIX = 'streamshop-read-'

/**
 * Reads a topic from its start up to its end offsets at the time of the call, with a throwaway
 * group that is deleted afterwards. For tools (the DLQ list), not for consuming.
 */
export async function readTopicToEnd(
  bus: EventBus,
  topic: string,
  timeoutMs = 30_000,
): Promise<ConsumedRecord[]> {
  const [described] = await bus.describeTopics([topic])
  const partitions = (described?.partitions ?? []).filter((p) => p.end > p.start)
  if (partitions.length === 0) return []
  const group = `${READER_GROUP_PREFIX}${Bun.randomUUIDv7()}`
  const records: ConsumedRecord[] = []
  const done = Promise.withResolvers<void>()
  const next = new Map<number, bigint>()
  const reached = () => partitions.every((p) => (next.get(p.partition) ?? 0n) >= p.end)
  const sub = await bus.subscribe({
    group,
    topics: [topic],
    handler: async (r) => {
      const end = partitions.find((p) => p.partition === r.partition)?.end ?? 0n
      if (r.offset < end) records.push(r)
      next.set(r.partition, r.offset + 1n)
      if (reached()) done.resolve()
    },
  })
  const timer = setTimeout(
    () => done.reject(new Error(`Reading ${topic} took longer than ${timeoutMs} ms`)),
    timeoutMs,
  )
  try {
    await done.promise
    return records.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset))
  } finally {
    clearTimeout(timer)
    await sub.close()
    await bus.deleteGroup(group).catch(() => {})
  }
}
