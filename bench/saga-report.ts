// How `bun run bench saga` prints its figures: both targets' orders, the ratio to the baseline
// measured in the same run, the saga's backlog and where its time went, then issue 9's targets as
// PASS or FAIL (or nothing, in a smoke run).
import { int, printAligned } from './lib/report.ts'
import type { Options } from './saga.ts'
import type { Leg } from './saga-figures.ts'
import type { PostLoadResult } from './saga-load.ts'
import type { BaselineRun, SagaRun } from './saga-measure.ts'
import {
  type BaselineFigures,
  baselineFigures,
  type SagaFigures,
  sagaFigures,
} from './saga-summary.ts'

// Issue 9's targets.
export const TARGET_RATE = 1000
const TARGET_SECONDS = 60
const TARGET_P99_MS = 100
/** Terminal orders per second of the offered rate that still count as sustaining it. */
const SUSTAINED = 0.99

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'never')
const times = (n: number) => (Number.isFinite(n) && n > 0 ? `${n.toFixed(n < 10 ? 2 : 0)}×` : '—')
const seconds = (millis: number) => `${(millis / 1000).toFixed(1)} s`
/** A latency in a sentence: `12.3 ms`, or `never` when the order never became terminal. */
const inWords = (n: number) => (Number.isFinite(n) ? `${n.toFixed(1)} ms` : 'never')

function verdict(smoke: boolean, ok: boolean): string {
  return smoke ? 'figures only (smoke)' : ok ? 'PASS' : 'FAIL'
}

function printOrders(baseline: PostLoadResult, b: BaselineFigures, saga: SagaRun, s: SagaFigures) {
  printAligned(
    [
      'target',
      'offered',
      'placed',
      'dropped',
      'errors',
      'terminal/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
    ],
    (
      [
        ['streamshop', saga.load, s.perSecond, s.sent],
        ['baseline', baseline, b.perSecond, b.sent],
      ] as const
    ).map(([name, load, perSecond, l]) => [
      name,
      int(load.offered),
      int(load.answers.length),
      int(load.dropped),
      int(load.errors),
      int(perSecond),
      ms(l.p50),
      ms(l.p95),
      ms(l.p99),
    ]),
  )
  for (const [name, load] of [
    ['streamshop', saga.load],
    ['baseline', baseline],
  ] as const) {
    if (load.errors > 0) console.log(`  ${name}: errors: ${load.firstError}`)
  }
  console.log(
    `  ratio to baseline: terminal/s ${times(s.perSecond / b.perSecond)} (streamshop ÷ ` +
      `baseline); latency p50 ${times(b.sent.p50 / s.sent.p50)}, p99 ` +
      `${times(b.sent.p99 / s.sent.p99)} (baseline ÷ streamshop); above 1: streamshop better`,
  )
  console.log(
    `  baseline: ${int(b.completed)} of ${int(baseline.answers.length)} answered completed`,
  )
}

function printSaga(saga: SagaRun, s: SagaFigures): void {
  const notTerminal = s.placed - s.terminal
  console.log(
    `  streamshop: created→terminal (the order’s created_at to the saga’s finished_at) p50 ` +
      `${inWords(s.created.p50)}, p95 ${inWords(s.created.p95)}, p99 ${inWords(s.created.p99)}; ` +
      `the 202 of POST /api/orders p50 ${inWords(s.accepted.p50)}, p99 ${inWords(s.accepted.p99)}\n` +
      `  streamshop: ${int(s.inWindow)} of ${int(s.placed)} orders terminal within the load ` +
      `window; backlog at the end of the load ${int(s.backlogAtEnd)}; the last order terminal ` +
      `${seconds(s.lastTerminalAfterMs)} after the load ended` +
      (notTerminal > 0
        ? `; ${int(notTerminal)} not terminal ${seconds(saga.drainedAfterMs)} after it (waiting stopped)`
        : ''),
  )
  console.log(
    `  streamshop outcomes: ${[...s.outcomes].map(([k, n]) => `${k} ${int(n)}`).join(', ')}\n` +
      `  streamshop per ${s.bucketS} s of the load: placed/s ` +
      `${s.timeline.map((t) => int(t.placed / s.bucketS)).join(', ')}; terminal/s ` +
      `${s.timeline.map((t) => int(t.terminal / s.bucketS)).join(', ')}`,
  )
}

/** The baseline's commits per order: the order, its payment and stock; then shipment and capture. */
const BASELINE_COMMITS = 2

/**
 * What an order costs the shop process: its CPU time (all threads, the relay's included) and its
 * commits — each applied record is a transaction of its own, behind the process's one write lock,
 * so commits × the cost of one is a floor under the writer's time per order.
 */
function printCosts(
  baseline: BaselineRun,
  saga: SagaRun,
  s: SagaFigures,
  costs: { commitMs: number; idleCpuPerS: number },
): void {
  const active = saga.consumers.filter((c) => c.handled > 0).sort((a, b) => b.handled - a.handled)
  const applied = active.reduce((n, c) => n + c.handled, 0)
  const retried = saga.consumers.reduce((n, c) => n + c.retried, 0)
  const deadLettered = saga.consumers.reduce((n, c) => n + c.deadLettered, 0)
  const per = (n: number) => (s.placed > 0 ? (n / s.placed).toFixed(2) : '—')
  const commits = s.placed > 0 ? (applied + s.placed) / s.placed : Number.NaN
  const ceiling = (perOrder: number) => int(1000 / (perOrder * costs.commitMs))
  // CPU above what the idle shop spends anyway (its consumers poll, its relay and timers tick).
  const busy = (cpuMs: number, elapsedMs: number, orders: number) =>
    `${ms(cpuMs / orders)} ms CPU (${ms((cpuMs - (costs.idleCpuPerS * elapsedMs) / 1000) / orders)} ` +
    'above idle)'
  const sagaElapsedMs = saga.load.endedAt - saga.load.startedAt + saga.drainedAfterMs
  console.log(
    `\nCost per order in the shop process: CPU is user + system time of all its threads (idle, ` +
      `the shop spends ${int(costs.idleCpuPerS)} ms a second); a commit costs ` +
      `${costs.commitMs.toFixed(3)} ms here (300 single-row transactions in a WAL file on the ` +
      'same disk at the same DATABASE_SYNCHRONOUS, measured in this run), and one process ' +
      'commits one transaction at a time\n' +
      `  baseline:   ${busy(baseline.cpuMs, baseline.elapsedMs, baseline.load.answers.length)} per ` +
      `order answered; ${BASELINE_COMMITS} commits per order, so commits alone allow at most ` +
      `${ceiling(BASELINE_COMMITS)} orders/s\n` +
      `  streamshop: ${busy(saga.cpuMs, sagaElapsedMs, s.placed)} per order placed (from the ` +
      `start of the load to the end of the wait); commits per order placed ${per(applied + s.placed)} ` +
      `= 1 (POST /api/orders) + ${active.map((c) => `${c.group} ${per(c.handled)}`).join(' + ')}, ` +
      `so commits alone allow at most ${ceiling(commits)} orders/s; ${int(retried)} records ` +
      `retried, ${int(deadLettered)} dead-lettered`,
  )
}

function printSteps(steps: Record<string, { out: Leg; back: Leg }>): void {
  console.log(
    '\nWhere the saga’s time goes, per forward step (ms, the shop’s clock): out = the ' +
      'orchestrator’s commit of the command → the participant’s commit of its answer (outbox, ' +
      'relay, Kafka, its queue, the simulated call, its transaction); back = that → the ' +
      'orchestrator’s commit of the next step (the same way back)',
  )
  printAligned(
    ['step', 'orders', 'out p50', 'out p99', 'back p50', 'back p99', 'mean total'],
    Object.entries(steps).map(([step, { out, back }]) => [
      step,
      int(out.n),
      ms(out.p50),
      ms(out.p99),
      ms(back.p50),
      ms(back.p99),
      ms(out.mean + back.mean),
    ]),
  )
}

function printTargets(s: SagaFigures, opts: Options): void {
  const full = opts.rate >= TARGET_RATE && opts.durationMs >= TARGET_SECONDS * 1000
  const allEnded = s.placed > 0 && s.placed === s.terminal
  const sustained = full && allEnded && s.perSecond >= SUSTAINED * TARGET_RATE
  console.log(
    `\n  target ≥ ${int(TARGET_RATE)} orders/s sustained for ${TARGET_SECONDS} s: ` +
      `${verdict(opts.smoke, sustained)} (${int(s.perSecond)} terminal/s over ` +
      `${opts.durationMs / 1000} s at ${int(opts.rate)} offered/s; backlog at the end ` +
      `${int(s.backlogAtEnd)})\n` +
      `  target p99 created→terminal < ${TARGET_P99_MS} ms: ` +
      `${verdict(opts.smoke, full && allEnded && s.created.p99 < TARGET_P99_MS)} ` +
      `(${inWords(s.created.p99)})`,
  )
}

/** Prints everything measured; returns the saga's figures. */
export function printReport(
  baseline: BaselineRun,
  saga: SagaRun,
  opts: Options,
  costs: { commitMs: number; idleCpuPerS: number },
): SagaFigures {
  const b = baselineFigures(baseline.load)
  const s = sagaFigures(saga, opts.smoke ? 1 : 10)
  console.log(
    '\nOrders: terminal/s counts the orders that became terminal within the load window, over ' +
      'the window (a queue that grows is not throughput); latency from sending the POST to the ' +
      'order being terminal (streamshop: the saga’s finished_at; baseline: its answer); an order ' +
      'never terminal counts as infinitely late',
  )
  printOrders(baseline.load, b, saga, s)
  printSaga(saga, s)
  printCosts(baseline, saga, s, costs)
  printSteps(saga.steps)
  printTargets(s, opts)
  return s
}
