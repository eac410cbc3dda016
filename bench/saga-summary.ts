// The figures of `bun run bench saga`, from what the client saw and what the shop recorded: for
// the baseline, answers are terminal; for the saga, an order is terminal at its finished_at, and
// one that never got there counts as infinitely late.
import { percentile } from './lib/load.ts'
import type { PostLoadResult } from './saga-load.ts'
import type { SagaRun } from './saga-measure.ts'

export interface Latency {
  p50: number
  p95: number
  p99: number
}

const latency = (xs: number[]): Latency => ({
  p50: percentile(xs, 50),
  p95: percentile(xs, 95),
  p99: percentile(xs, 99),
})

const windowSeconds = (load: PostLoadResult) => (load.endedAt - load.startedAt) / 1000

export interface BaselineFigures {
  /** Orders answered within the load window, per second of it. */
  perSecond: number
  completed: number
  /** From sending the request to its answer. */
  sent: Latency
}

export function baselineFigures(load: PostLoadResult): BaselineFigures {
  const inWindow = load.answers.filter((a) => a.sentAt + a.ms <= load.endedAt).length
  const completed = load.answers.filter(
    (a) => (JSON.parse(a.body) as { status?: string }).status === 'completed',
  ).length
  return {
    perSecond: inWindow / windowSeconds(load),
    completed,
    sent: latency(load.answers.map((a) => a.ms)),
  }
}

export interface SagaFigures {
  placed: number
  terminal: number
  /** Orders that became terminal within the load window, and per second of it. */
  inWindow: number
  perSecond: number
  /** Orders created by the end of the load and not terminal then. */
  backlogAtEnd: number
  lastTerminalAfterMs: number
  /** The order's created_at → the saga's finished_at: the measure. */
  created: Latency
  /** Sending the POST → finished_at: comparable with the baseline's answer time. */
  sent: Latency
  /** The POST's 202. */
  accepted: Latency
  outcomes: Map<string, number>
  /** Per bucket of the load window: orders created and orders made terminal. */
  timeline: { placed: number; terminal: number }[]
  bucketS: number
}

export function sagaFigures(run: SagaRun, bucketS: number): SagaFigures {
  const { load, orders } = run
  const sentAt = new Map<string, number>()
  for (const a of load.answers) {
    const id = (JSON.parse(a.body) as { orderId?: string }).orderId
    if (id) sentAt.set(id, a.sentAt)
  }
  const never = Number.POSITIVE_INFINITY
  const created: number[] = []
  const sent: number[] = []
  const outcomes = new Map<string, number>()
  const buckets = Math.ceil(windowSeconds(load) / bucketS)
  const timeline = Array.from({ length: buckets }, () => ({ placed: 0, terminal: 0 }))
  const bucketOf = (t: number) => timeline[Math.floor((t - load.startedAt) / 1000 / bucketS)]
  let inWindow = 0
  let backlogAtEnd = 0
  let lastTerminal = load.endedAt
  orders.ids.forEach((id, i) => {
    const createdAt = orders.createdAt[i] as number
    const finishedAt = orders.finishedAt[i] ?? null
    const outcome =
      finishedAt === null ? `not terminal (${orders.outcome[i]})` : (orders.outcome[i] as string)
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
    created.push(finishedAt === null ? never : finishedAt - createdAt)
    const sentTime = sentAt.get(id)
    if (sentTime !== undefined) sent.push(finishedAt === null ? never : finishedAt - sentTime)
    const placedIn = bucketOf(createdAt)
    if (placedIn) placedIn.placed++
    if (createdAt <= load.endedAt && (finishedAt === null || finishedAt > load.endedAt))
      backlogAtEnd++
    if (finishedAt === null) return
    lastTerminal = Math.max(lastTerminal, finishedAt)
    if (finishedAt >= load.startedAt && finishedAt <= load.endedAt) inWindow++
    const terminalIn = bucketOf(finishedAt)
    if (terminalIn) terminalIn.terminal++
  })
  return {
    placed: orders.ids.length,
    terminal: orders.finishedAt.filter((f) => f !== null).length,
    inWindow,
    perSecond: inWindow / windowSeconds(load),
    backlogAtEnd,
    lastTerminalAfterMs: lastTerminal - load.endedAt,
    created: latency(created),
    sent: latency(sent),
    accepted: latency(load.answers.map((a) => a.ms)),
    outcomes,
    timeline,
    bucketS,
  }
}
