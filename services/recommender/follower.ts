// Every replica rebuilds the whole model from the log and keeps following it: a group of its own,
// read from the earliest retained record of every partition. Any replica can then answer for any
// user, and a restarted one is as good as the others once it has caught up.
import type { EventBus, SeekPosition, Subscription } from '../../shared/bus/types.ts'
import { fromRecord } from '../../shared/events/envelope.ts'
import { log } from '../../shared/observability/log.ts'
import { MODEL_TOPICS } from './events.ts'
import type { Recommender } from './recommender.ts'

const YIELD_EVERY_MS = 5

/** Groups of recommender replicas: one per process, deleted when it stops. */
export const REPLICA_GROUP_PREFIX = 'recommender-replica-'

export interface LogFollower {
  /** This replica's own group: its lag is how far its models are behind the log. */
  group: string
  /** Resolves once everything on the log when it started has been applied. */
  caughtUp: Promise<void>
  /**
   * Applies what it reads to this recommender from the next record on; null reads on and applies
   * nothing (a follower about to be replaced by a replay's).
   */
  applyTo(recommender: Recommender | null): void
  close(): Promise<void>
}

export interface FollowOptions {
  /**
   * Where to start instead of everything retained: a time (ms since the epoch), or a position
   * (an offset is taken on every partition, or a partition's end where it has fewer records).
   */
  from?: number | SeekPosition
  /** Called after each record, with the user whose models it changed (if any). */
  onApplied?: (userId: string | null) => void
}

const partitionKey = (topic: string, partition: number) => `${topic}/${partition}`

export async function followLog(
  bus: EventBus,
  recommender: Recommender,
  opts: FollowOptions = {},
): Promise<LogFollower> {
  const group = `${REPLICA_GROUP_PREFIX}${Bun.randomUUIDv7()}`
  const from = typeof opts.from === 'number' ? { timestamp: opts.from } : opts.from
  // An offset is taken on every partition, or a partition's end where it has fewer (the bus's seek).
  if (from !== undefined) for (const topic of MODEL_TOPICS) await bus.seek(group, topic, from)
  // Caught up means: every partition read up to where it ended when we started.
  const ends = new Map<string, bigint>()
  for (const p of await bus.lag(group, MODEL_TOPICS)) {
    if (p.lag > 0n) ends.set(partitionKey(p.topic, p.partition), p.end)
  }
  let target: Recommender | null = recommender
  const caughtUp = Promise.withResolvers<void>()
  let done = false
  const markIfDone = () => {
    if (ends.size === 0 && !done) {
      done = true
      target?.markCaughtUp()
      caughtUp.resolve()
    }
  }
  markIfDone()
  let malformed = 0
  let sliceStarted = performance.now()
  const subscription: Subscription = await bus.subscribe({
    group,
    topics: MODEL_TOPICS,
    handler: async (record) => {
      const key = partitionKey(record.topic, record.partition)
      const applying = target
      let userId: string | null = null
      if (applying) {
        try {
          const event = fromRecord(record)
          if (applying.apply(event)) userId = (event.data as { userId?: string }).userId ?? null
        } catch (error) {
          // The group consumer dead-letters it; a replica only keeps the models untouched.
          if (malformed++ % 100 === 0) {
            log.warn(
              { err: error, topic: record.topic, offset: String(record.offset) },
              'skipping a malformed record',
            )
          }
        }
      }
      const end = ends.get(key)
      if (end !== undefined && record.offset + 1n >= end) {
        ends.delete(key)
        markIfDone()
      }
      if (applying) opts.onApplied?.(userId)
      // Replaying a long log is one record after another with nothing to wait for: hand the event
      // loop back now and then, so requests are answered while the models catch up.
      if (performance.now() - sliceStarted > YIELD_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve))
        sliceStarted = performance.now()
      }
    },
  })
  return {
    group,
    caughtUp: caughtUp.promise,
    applyTo(next) {
      target = next
    },
    async close() {
      await subscription.close()
      await bus.deleteGroup(group).catch(() => {})
    },
  }
}
