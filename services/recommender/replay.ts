// `bun run replay --service recommender` reaches every running replica: each listens on
// control-events with a group of its own, from the latest record (a request made before it started
// does not concern it: it built its models from the log then), rebuilds its models from the
// requested position without a pause, and answers on the same topic.
import type { EventBus, SeekPosition } from '../../shared/bus/types.ts'
import {
  createEvent,
  type EventEnvelope,
  fromRecord,
  toRecord,
} from '../../shared/events/envelope.ts'
import type { EventData } from '../../shared/events/types.ts'
import { log } from '../../shared/observability/log.ts'
import type { LogFollower } from './follower.ts'
import type { Recommender } from './recommender.ts'
import {
  RebuildSupersededError,
  ReplayableFollower,
  type ReplayableFollowOptions,
} from './replayable-follower.ts'

/** The name operators give this service: `bun run replay --service recommender`. */
export const REPLAY_SERVICE = 'recommender'
/** Groups of the replicas' control listeners: one per process, deleted when it stops. */
export const CONTROL_GROUP_PREFIX = 'recommender-control-'
const CONTROL_TOPIC = 'control-events'
const SOURCE = '/streamshop/recommender'
/** Request ids answered lately: a request read twice (a rejoin) is not rebuilt twice. */
const REMEMBERED_REQUESTS = 100

type ReplayRequest = EventData<'service.replay_requested'>

export function seekPositionOf(from: ReplayRequest['from']): SeekPosition {
  return 'offset' in from
    ? { offset: BigInt(from.offset) }
    : { timestamp: Date.parse(from.timestamp) }
}

export interface ReplayListenerOptions {
  bus: EventBus
  /** This process, as the live metrics and the answers name it (host/pid). */
  replica: string
  rebuild: ReplayableFollower['rebuild']
}

/** Listens for replay requests addressed to this replica, rebuilds, and answers each. */
export async function listenForReplays(
  opts: ReplayListenerOptions,
): Promise<{ close(): Promise<void> }> {
  const { bus, replica } = opts
  const group = `${CONTROL_GROUP_PREFIX}${Bun.randomUUIDv7()}`
  await bus.seek(group, CONTROL_TOPIC, 'latest')
  const answered = new Set<string>()
  const inFlight = new Set<Promise<void>>()

  const publish = async (event: EventEnvelope) => {
    try {
      await bus.publish([toRecord(event)])
    } catch (error) {
      log.warn({ err: error, type: event.type }, 'could not answer a replay request')
    }
  }

  const answer = async (request: ReplayRequest) => {
    const base = { requestId: request.requestId, service: REPLAY_SERVICE, replica }
    log.info({ ...base, from: request.from }, 'rebuilding the models from the log')
    try {
      const report = await opts.rebuild(seekPositionOf(request.from), request.requestId)
      log.info({ ...base, ...report }, 'rebuilt models swapped in')
      const durationMs = Math.round(report.durationMs)
      const data = { ...base, from: request.from, ...report, durationMs }
      await publish(createEvent('service.replay_completed', data, { source: SOURCE }))
    } catch (error) {
      const superseded = error instanceof RebuildSupersededError ? error.supersededBy : undefined
      if (!superseded) log.warn({ ...base, err: error }, 'replay failed; the models are unchanged')
      const reason = String((error as Error).message ?? error).slice(0, 500)
      const data = { ...base, reason, ...(superseded ? { supersededBy: superseded } : {}) }
      await publish(createEvent('service.replay_failed', data, { source: SOURCE }))
    }
  }

  const subscription = await bus.subscribe({
    group,
    topics: [CONTROL_TOPIC],
    handler: async (record) => {
      let request: ReplayRequest
      try {
        const event = fromRecord(record)
        if (event.type !== 'service.replay_requested') return
        request = event.data as ReplayRequest
      } catch (error) {
        log.warn({ err: error, offset: String(record.offset) }, 'skipping a malformed command')
        return
      }
      if (request.service !== REPLAY_SERVICE) return
      if (request.replica !== undefined && request.replica !== replica) return
      if (answered.has(request.requestId)) return
      answered.add(request.requestId)
      if (answered.size > REMEMBERED_REQUESTS) answered.delete(answered.values().next().value ?? '')
      // Not awaited: a newer request must be read while this one rebuilds, to supersede it.
      const work = answer(request).finally(() => inFlight.delete(work))
      inFlight.add(work)
    },
  })
  return {
    async close() {
      await subscription.close()
      await bus.deleteGroup(group).catch(() => {})
      await Promise.allSettled(inFlight)
    },
  }
}

export interface FollowWithReplaysOptions extends ReplayableFollowOptions {
  replica: string
}

/**
 * Follows the log into the live models (see follower.ts) and rebuilds them whenever an operator
 * asks (`bun run replay`). Closing stops listening, abandons a rebuild in progress and leaves
 * every group.
 */
export async function followLogWithReplays(
  bus: EventBus,
  recommender: Recommender,
  opts: FollowWithReplaysOptions,
): Promise<LogFollower> {
  // Listening starts before the follower's set-up: the replica already counts in the
  // `recommender` group (where the CLI counts who must answer), so its requests should be read.
  const started = Promise.withResolvers<ReplayableFollower>()
  started.promise.catch(() => {})
  const listener = await listenForReplays({
    bus,
    replica: opts.replica,
    rebuild: async (from, requestId) => (await started.promise).rebuild(from, requestId),
  })
  let follower: ReplayableFollower
  try {
    follower = await ReplayableFollower.start(bus, recommender, opts)
  } catch (error) {
    started.reject(error)
    await listener.close()
    throw error
  }
  started.resolve(follower)
  return {
    get group() {
      return follower.group
    },
    get caughtUp() {
      return follower.caughtUp
    },
    applyTo: (target) => follower.applyTo(target),
    async close() {
      // The follower first: it abandons a rebuild in progress, which the listener then answers.
      await follower.close()
      await listener.close()
    },
  }
}
