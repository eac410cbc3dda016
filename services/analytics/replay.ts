// `bun run replay --service analytics` reaches every running analytics replica: each listens on
// control-events with a group of its own, from the latest record (a request made before it started
// is not for it), rebuilds the roll-ups (rebuild.ts) and answers on the same topic. Requests to
// one replica run one after the other. The roll-ups live in the shared database, so one replica's
// rebuild is enough: `--replica` names it (several at once stay exact, only slower).
import { hostname } from 'node:os'
import type { EventBus, SeekPosition } from '../../shared/bus/types.ts'
import type { ConsumerDefinition } from '../../shared/consumers/define.ts'
import type { Db } from '../../shared/db/client.ts'
import {
  createEvent,
  type EventEnvelope,
  fromRecord,
  toRecord,
} from '../../shared/events/envelope.ts'
import type { EventData } from '../../shared/events/types.ts'
import { log } from '../../shared/observability/log.ts'
import { rebuildAnalytics } from './rebuild.ts'

/** The name operators give this service: `bun run replay --service analytics`. */
export const REPLAY_SERVICE = 'analytics'
/** Groups of the replicas' control listeners: one per process, deleted when it stops. */
export const CONTROL_GROUP_PREFIX = 'analytics-control-'
const CONTROL_TOPIC = 'control-events'
const SOURCE = '/streamshop/analytics'
/** Request ids answered lately: a request read twice (a rejoin) is not rebuilt twice. */
const REMEMBERED_REQUESTS = 100

type ReplayRequest = EventData<'service.replay_requested'>

function seekPositionOf(from: ReplayRequest['from']): SeekPosition {
  return 'offset' in from
    ? { offset: BigInt(from.offset) }
    : { timestamp: Date.parse(from.timestamp) }
}

export interface AnalyticsReplayOptions {
  bus: EventBus
  db: Db
  /** The consumers this process runs (`analyticsConsumers`): what is rebuilt, under which groups. */
  consumers: readonly ConsumerDefinition[]
  /** This process, as the answers name it; host/pid by default. */
  replica?: string
}

/** Listens for replay requests addressed to this replica, rebuilds the roll-ups, and answers each. */
export async function listenForAnalyticsReplays(
  opts: AnalyticsReplayOptions,
): Promise<{ replica: string; close(): Promise<void> }> {
  const { bus } = opts
  const replica = opts.replica ?? `${hostname()}/${process.pid}`
  const group = `${CONTROL_GROUP_PREFIX}${Bun.randomUUIDv7()}`
  const stopping = new AbortController()
  await bus.seek(group, CONTROL_TOPIC, 'latest')
  const answered = new Set<string>()
  let queue: Promise<void> = Promise.resolve()

  const publish = async (event: EventEnvelope) => {
    try {
      await bus.publish([toRecord(event)])
    } catch (error) {
      log.warn({ err: error, type: event.type }, 'could not answer a replay request')
    }
  }

  const answer = async (request: ReplayRequest) => {
    const base = { requestId: request.requestId, service: REPLAY_SERVICE, replica }
    log.info({ ...base, from: request.from }, 'rebuilding the analytics roll-ups from the log')
    try {
      const report = await rebuildAnalytics({
        bus,
        db: opts.db,
        consumers: opts.consumers,
        from: seekPositionOf(request.from),
        signal: stopping.signal,
      })
      log.info({ ...base, ...report }, 'analytics roll-ups rebuilt')
      const data = {
        ...base,
        from: request.from,
        ...report,
        durationMs: Math.round(report.durationMs),
      }
      await publish(createEvent('service.replay_completed', data, { source: SOURCE }))
    } catch (error) {
      log.warn({ ...base, err: error }, 'analytics rebuild failed')
      const reason = String((error as Error).message ?? error).slice(0, 500)
      await publish(createEvent('service.replay_failed', { ...base, reason }, { source: SOURCE }))
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
      // Not awaited: the listener keeps reading (and its group stays alive) while a rebuild runs.
      queue = queue.then(() => answer(request))
    },
  })
  return {
    replica,
    async close() {
      stopping.abort(new Error('the analytics service is stopping'))
      await subscription.close()
      await bus.deleteGroup(group).catch(() => {})
      await queue
    },
  }
}
