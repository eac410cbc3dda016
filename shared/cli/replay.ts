// `bun run replay --service <name> --from <ISO time|offset>`: every running replica of a service
// rebuilds its state from the log from that point, without a pause, and says when it is done.
// Exit codes: 0 every replica rebuilt, 1 none running, or one failed or did not answer in time,
// 2 a usage problem.
import type { ConsumedRecord } from '../bus/types.ts'
import { createEvent, type EventEnvelope, fromRecord, toRecord } from '../events/envelope.ts'
import { catalogWithDlqs } from '../events/topics.ts'
import type { EventData } from '../events/types.ts'
import { usageError as fail, parseFlags } from './args.ts'
import { connect } from './connect.ts'

/**
 * The services whose state is rebuilt from the log, each with the consumer group every running
 * replica of it joins (its members are who must answer). A service joins this table once it
 * answers `service.replay_requested` on control-events (see services/recommender/replay.ts).
 */
export const REPLAYABLE_SERVICES = {
  recommender: {
    group: 'recommender',
    rebuilds: 'its models; it keeps its catalog of products',
    whenStopped:
      'A recommender rebuilds from the log when it starts: start it with RECOMMENDER_REPLAY_FROM=<ISO time> to rebuild from that time (everything retained by default).',
  },
  // services/analytics: one group per topic (`analytics-<topic>`); any of them says who runs.
  analytics: {
    group: 'analytics-user-events',
    rebuilds: 'its roll-ups: it empties its tables and re-reads its topics',
    whenStopped:
      'Its roll-ups stay in the database while it is stopped: start it (bun services/analytics/main.ts) and ask again.',
  },
} as const

type ServiceName = keyof typeof REPLAYABLE_SERVICES
const NAMES = Object.keys(REPLAYABLE_SERVICES) as ServiceName[]
const CONTROL_TOPIC = 'control-events'
const SOURCE = '/streamshop/cli/replay'
const DEFAULT_WAIT_S = 120

const USAGE = `Usage: bun run replay --service <name> --from <ISO time|offset> [--wait <s>] [--replica <id>]
Every running replica of the service rebuilds its state from that point on the log, in the
background, and swaps it in: until then it answers from its current state. What the log holds
before that point is forgotten.

  --service <name>    ${NAMES.map((n) => `${n} (${REPLAYABLE_SERVICES[n].rebuilds})`).join(', ')}
  --from <position>   an ISO 8601 time (2025-05-01T08:00:00Z, 2025-05-01): the first record at or
                      after it; or an offset (0, 1234): that offset on every partition of the
                      service's topics (a partition's end where it has fewer records)
  --wait <s>          how long to wait for every replica's answer (default ${DEFAULT_WAIT_S})
  --replica <id>      only this replica (host/pid, as the live metrics and this tool name it)
  -h, --help          this text`

function usageError(problem: string): never {
  fail(problem, USAGE)
}

type ReplayFrom = EventData<'service.replay_requested'>['from']

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/

/** An offset (digits only) or an ISO 8601 date, or time with a zone; anything else is refused. */
export function parseFrom(text: string, now = Date.now()): ReplayFrom {
  if (/^\d+$/.test(text)) return { offset: BigInt(text).toString() }
  const at = ISO_TIME.test(text) ? Date.parse(text) : Number.NaN
  if (Number.isNaN(at)) {
    usageError(
      `--from must be an ISO 8601 time with a zone (2025-05-01T08:00:00Z), a date (2025-05-01) or a non-negative offset (1234); got '${text}'`,
    )
  }
  if (at > now) usageError(`--from ${text} is in the future: there is nothing to replay from there`)
  return { timestamp: new Date(at).toISOString() }
}

interface Flags {
  service: ServiceName
  from: ReplayFrom
  waitMs: number
  replica?: string
}

function readFlags(argv: string[]): Flags {
  const text = { type: 'string' } as const
  const values = parseFlags(argv, { service: text, from: text, wait: text, replica: text }, USAGE)
  if (!values.service) usageError(`--service is required: one of ${NAMES.join(', ')}`)
  if (!NAMES.includes(values.service as ServiceName)) {
    usageError(`--service '${values.service}' is not replayable: known are ${NAMES.join(', ')}`)
  }
  if (values.from === undefined) usageError('--from is required: an ISO 8601 time or an offset')
  const wait = values.wait === undefined ? DEFAULT_WAIT_S : Number(values.wait)
  if (!Number.isFinite(wait) || wait <= 0 || wait > 86_400) {
    usageError(`--wait must be a number of seconds above 0 (at most a day); got '${values.wait}'`)
  }
  if (values.replica !== undefined && values.replica.trim() === '') {
    usageError('--replica must name a replica (host/pid)')
  }
  return {
    service: values.service as ServiceName,
    from: parseFrom(values.from),
    waitMs: wait * 1000,
    replica: values.replica,
  }
}

function describeFrom(from: ReplayFrom): string {
  return 'offset' in from ? `offset ${from.offset} on every partition` : from.timestamp
}

type Answer =
  | EventEnvelope<EventData<'service.replay_completed'>>
  | EventEnvelope<EventData<'service.replay_failed'>>

function answerOf(record: ConsumedRecord, requestId: string): Answer | null {
  try {
    const event = fromRecord(record) as Answer
    const answers =
      event.type === 'service.replay_completed' || event.type === 'service.replay_failed'
    return answers && event.data.requestId === requestId ? event : null
  } catch {
    return null
  }
}

function printAnswer(answer: Answer): void {
  if (answer.type === 'service.replay_failed') {
    const d = answer.data as EventData<'service.replay_failed'>
    console.log(
      d.supersededBy
        ? `${d.replica}: not rebuilt from here: a newer request (${d.supersededBy}) replaced this one`
        : `${d.replica}: not rebuilt (${d.reason}); it keeps its current state`,
    )
    return
  }
  const d = answer.data as EventData<'service.replay_completed'>
  const n = (v: number) => v.toLocaleString('en')
  console.log(
    `${d.replica}: rebuilt — ${n(d.eventsApplied)} events applied in ${(d.durationMs / 1000).toFixed(1)} s; ${n(d.users)} users, ${n(d.products)} products`,
  )
}

async function main(): Promise<number> {
  const flags = readFlags(process.argv.slice(2))
  const spec = REPLAYABLE_SERVICES[flags.service]
  const { bus, close } = await connect()
  const group = `streamshop-replay-${Bun.randomUUIDv7()}`
  try {
    const running = await bus.groupMembers(spec.group)
    if (running === 0) {
      const why =
        bus.kind === 'embedded'
          ? 'the embedded event log serves one process, so this tool cannot reach its replicas'
          : `no replica of ${flags.service} is running (its group '${spec.group}' has no members)`
      console.error(`Nothing replayed: ${why}.\n${spec.whenStopped}`)
      return 1
    }
    const expected = flags.replica ? 1 : running
    await bus.ensureTopics(catalogWithDlqs().filter((t) => t.name === CONTROL_TOPIC))
    // Listening before asking: an answer may come back within milliseconds.
    await bus.seek(group, CONTROL_TOPIC, 'latest')
    const request = createEvent(
      'service.replay_requested',
      {
        requestId: Bun.randomUUIDv7(),
        service: flags.service,
        from: flags.from,
        ...(flags.replica ? { replica: flags.replica } : {}),
      },
      { source: SOURCE },
    )
    const answers = new Map<string, Answer>()
    const allIn = Promise.withResolvers<void>()
    const subscription = await bus.subscribe({
      group,
      topics: [CONTROL_TOPIC],
      handler: async (record) => {
        const answer = answerOf(record, request.data.requestId)
        if (!answer || answers.has(answer.data.replica)) return
        answers.set(answer.data.replica, answer)
        printAnswer(answer)
        if (answers.size >= expected) allIn.resolve()
      },
    })
    const target = flags.replica ? `replica ${flags.replica}` : `${running} running replica(s)`
    console.log(
      `Replaying ${flags.service} from ${describeFrom(flags.from)} on ${target} (request ${request.data.requestId})`,
    )
    await bus.publish([toRecord(request)])
    const askedAt = performance.now()
    const elapsed = () => performance.now() - askedAt
    // Ctrl-C stops waiting (the replicas go on) and still leaves no group behind.
    const interrupted = Promise.withResolvers<boolean>()
    process.once('SIGINT', () => interrupted.resolve(true))
    let timer: ReturnType<typeof setTimeout> | undefined
    const timedOut = await Promise.race([
      allIn.promise.then(() => false),
      interrupted.promise,
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), flags.waitMs)
      }),
    ])
    clearTimeout(timer)
    await subscription.close()
    const rebuilt = [...answers.values()].filter((a) => a.type === 'service.replay_completed')
    if (timedOut) {
      console.log(
        `Stopped waiting after ${Math.round(elapsed() / 1000)} s: ${answers.size} of ${expected} replica(s) answered, ${rebuilt.length} rebuilt.`,
      )
      return 1
    }
    console.log(
      `Done: ${rebuilt.length} of ${expected} replica(s) rebuilt ${flags.service} from ${describeFrom(flags.from)}.`,
    )
    return rebuilt.length === expected ? 0 : 1
  } finally {
    await bus.deleteGroup(group).catch(() => {})
    await close()
  }
}

if (import.meta.main) process.exit(await main())
