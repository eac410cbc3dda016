// How `bun run bench recs` prints its figures: one table per figure, each with its ratio to the
// naive baseline measured in the same run, then the target as PASS or FAIL (or nothing, in
// a smoke run).
import { percentile } from './lib/load.ts'
import { int, printAligned } from './lib/report.ts'
import { type FreshnessFigures, PROBE_TIMEOUT_MS } from './recs-freshness.ts'
import type { MemoryFigures } from './recs-memory.ts'
import { PERSONALISED, QUALITY_RATIO, type QualityRun } from './recs-quality.ts'
import type { ServingFigures } from './recs-serving.ts'

// Issue 8's targets.
export const SERVING_RATE = 5000
const SERVING_P99_MS = 2
const FRESH_P50_MS = 10
const FRESH_P99_MS = 50
export const BACKGROUND_PER_S = 1000
/** Answered of offered that still counts as sustaining the rate. */
const SUSTAINED = 0.99

export interface Pair<T> {
  ours: T
  naive: T
}

const ms = (n: number, digits = 2) =>
  Number.isFinite(n) ? n.toFixed(digits) : `> ${int(PROBE_TIMEOUT_MS)}`
const times = (n: number) => (Number.isFinite(n) && n > 0 ? `${n.toFixed(n < 10 ? 2 : 0)}×` : '—')
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`

function verdict(smoke: boolean, ok: boolean): string {
  return smoke ? 'figures only (smoke)' : ok ? 'PASS' : 'FAIL'
}

export function printServing(s: Pair<ServingFigures>, offeredPerS: number, smoke: boolean): void {
  printAligned(
    ['target', 'offered', 'answered', 'answered/s', 'dropped', 'errors', 'p50 ms', 'p99 ms'],
    (['ours', 'naive'] as const).map((k) => [
      k === 'ours' ? 'streamshop' : 'naive',
      int(s[k].offered),
      int(s[k].answered),
      int(s[k].perSecond),
      int(s[k].dropped),
      int(s[k].errors),
      ms(s[k].p50),
      ms(s[k].p99),
    ]),
  )
  for (const k of ['ours', 'naive'] as const) {
    if (s[k].errors > 0) console.log(`  ${k}: errors: ${s[k].firstError}`)
  }
  const { ours, naive } = s
  console.log(
    `  ratio to naive: answered/s ${times(ours.perSecond / naive.perSecond)} (streamshop ÷ naive), ` +
      `p99 ${times(naive.p99 / ours.p99)} (naive ÷ streamshop); above 1: streamshop better`,
  )
  const sustained = ours.perSecond >= SUSTAINED * SERVING_RATE && offeredPerS >= SERVING_RATE
  console.log(
    `  target p99 < ${SERVING_P99_MS} ms at ≥ ${int(SERVING_RATE)} req/s: ` +
      `${verdict(smoke, sustained && ours.errors === 0 && ours.p99 < SERVING_P99_MS)} ` +
      `(${int(ours.perSecond)} answered/s of ${int(offeredPerS)} offered, p99 ${ms(ours.p99)} ms)`,
  )
}

/** Percentiles with every timed-out probe counted as infinitely late. */
function freshness(f: FreshnessFigures) {
  const all = [...f.latenciesMs, ...Array<number>(f.timeouts).fill(Number.POSITIVE_INFINITY)]
  return { p50: percentile(all, 50), p99: percentile(all, 99), accept: percentile(f.acceptMs, 50) }
}

export function printFreshness(f: Pair<FreshnessFigures>, smoke: boolean): void {
  const ours = freshness(f.ours)
  const naive = freshness(f.naive)
  printAligned(
    ['target', 'probes', 'timeouts', 'errors', 'p50 ms', 'p99 ms', '202 p50 ms', 'background/s'],
    (
      [
        ['streamshop', f.ours, ours],
        ['naive', f.naive, naive],
      ] as const
    ).map(([name, figures, p]) => [
      name,
      int(figures.latenciesMs.length + figures.timeouts),
      int(figures.timeouts),
      int(figures.errors),
      ms(p.p50, 1),
      ms(p.p99, 1),
      ms(p.accept, 1),
      int(figures.backgroundPerSecond),
    ]),
  )
  for (const [name, figures] of [
    ['streamshop', f.ours],
    ['naive', f.naive],
  ] as const) {
    if (figures.errors > 0) console.log(`  ${name}: errors: ${figures.firstError}`)
  }
  console.log(
    `  ratio to naive (naive ÷ streamshop; above 1: streamshop fresher): ` +
      `p50 ${times(naive.p50 / ours.p50)}, p99 ${times(naive.p99 / ours.p99)}`,
  )
  const flowing = f.ours.backgroundPerSecond >= SUSTAINED * BACKGROUND_PER_S
  const clean = f.ours.errors === 0
  console.log(
    `  target p50 < ${FRESH_P50_MS} ms while ${int(BACKGROUND_PER_S)} events/s flow: ` +
      `${verdict(smoke, flowing && clean && ours.p50 < FRESH_P50_MS)} (${ms(ours.p50, 1)} ms)\n` +
      `  target p99 < ${FRESH_P99_MS} ms while ${int(BACKGROUND_PER_S)} events/s flow: ` +
      `${verdict(smoke, flowing && clean && ours.p99 < FRESH_P99_MS)} (${ms(ours.p99, 1)} ms)`,
  )
}

export function printMemory(m: Pair<MemoryFigures>, users: number): void {
  printAligned(
    ['target', 'events', 'heap', 'resident (RSS)', 'heap per shopper'],
    (
      [
        ['streamshop', m.ours],
        ['naive', m.naive],
      ] as const
    ).map(([name, f]) => [
      name,
      int(f.events),
      mb(f.heapBytes),
      mb(f.rssBytes),
      `${(f.heapBytes / users / 1024).toFixed(1)} KB`,
    ]),
  )
  if (m.ours.easeBytes !== undefined)
    console.log(`  of which the trained matrix model (EASE) weights: ${mb(m.ours.easeBytes)}`)
  console.log(
    `  ratio to naive (streamshop ÷ naive; above 1: streamshop bigger): ` +
      `heap ${times(m.ours.heapBytes / m.naive.heapBytes)}, ` +
      `RSS ${times(m.ours.rssBytes / m.naive.rssBytes)} (no target: reported)`,
  )
}

export function printQuality(runs: QualityRun[], smoke: boolean): void {
  const names = Object.keys(runs[0]?.ndcg ?? {})
  const vs = (name: string, base: string) =>
    Math.min(...runs.map((r) => (r.ndcg[name] as number) / (r.ndcg[base] as number)))
  printAligned(
    ['strategy', ...runs.map((r) => `NDCG@10 seed ${r.seed}`), 'min ×popular', 'min ×naive', ''],
    names.map((name) => [
      name,
      ...runs.map((r) => (r.ndcg[name] as number).toFixed(4)),
      times(vs(name, 'popular')),
      times(vs(name, 'naive')),
      PERSONALISED.includes(name as never)
        ? `≥ ${QUALITY_RATIO}× popular: ${verdict(smoke, vs(name, 'popular') >= QUALITY_RATIO)}`
        : name === 'naive'
          ? 'baseline'
          : 'not personalised',
    ]),
  )
}
