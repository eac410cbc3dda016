// The dashboard bench's tables and verdicts: figures as measured, ratios against the baseline, and
// PASS/FAIL per target of issue 10 (a smoke run prints the figures and judges nothing).
import type { FanoutFigures } from './dashboard-fanout.ts'
import type { FreshnessFigures, FreshnessOptions } from './dashboard-freshness.ts'
import { percentile } from './lib/load.ts'
import { int, printAligned } from './lib/report.ts'

const TARGET_MS = 1000
const FANOUT_CLIENTS = 15_000
const MAX_BYTES_PER_CLIENT = 20 * 1024
const FRESHNESS_RATE = 10_000

const ms = (n: number) => (Number.isFinite(n) ? int(n) : '–')
const kb = (n: number) => (Number.isFinite(n) ? (n / 1024).toFixed(1) : '–')
const ratio = (a: number, b: number) =>
  Number.isFinite(a) && Number.isFinite(b) && a > 0 ? `${(b / a).toFixed(1)}×` : '–'

function verdict(smoke: boolean, ok: boolean, what: string): void {
  console.log(`  ${smoke ? 'smoke (not judged)' : ok ? 'PASS' : 'FAIL'}: ${what}`)
}

const within = (samples: number[]) => samples.filter((v) => v <= TARGET_MS).length

export function printFanout(r: { shared: FanoutFigures; baseline: FanoutFigures }, smoke: boolean) {
  const rows: [string, FanoutFigures][] = [
    ['shared', r.shared],
    ['baseline', r.baseline],
  ]
  const header = [
    '',
    'clients',
    'streaming',
    'updates',
    'p50 ms',
    'p99 ms',
    'max ms',
    '≤1 s',
    'missed',
    'fan-out p99',
    'fan-out max',
    'RSS KB/client',
    'heap KB/client',
    'CPU',
  ]
  printAligned(
    header,
    rows.map(([name, f]) => [
      name,
      int(f.clients),
      int(f.started),
      String(f.updates),
      ms(percentile(f.latenciesMs, 50)),
      ms(percentile(f.latenciesMs, 99)),
      ms(Math.max(...f.latenciesMs)),
      `${int(within(f.latenciesMs))}/${int(f.clients * f.updates)}`,
      int(f.missed),
      ms(percentile(f.spreadMs, 99)),
      ms(Math.max(...f.spreadMs)),
      kb(f.rssPerClient),
      kb(f.heapPerClient),
      Number.isFinite(f.cpuShare) ? `${Math.round(f.cpuShare * 100)}%` : '–',
    ]),
  )
  console.log(
    '  p50/p99/max: from the change’s commit to each client’s message showing it (the part looks ' +
      'once a second, so 0–1 s of each is waiting for the look); fan-out: from the first ' +
      'client’s message of an update to each other’s; CPU: the server’s, as a share of one ' +
      'core, over the updates; memory: after every client streamed, less before any connected',
  )
  for (const [name, f] of rows) {
    if (f.firstError)
      console.log(`  ${name}: ${int(f.failed)} clients failed; first: ${f.firstError}`)
  }
  const s = r.shared
  const b = r.baseline
  console.log(
    `  baseline ÷ shared: p99 ${ratio(percentile(s.latenciesMs, 99), percentile(b.latenciesMs, 99))}, ` +
      `fan-out p99 ${ratio(percentile(s.spreadMs, 99), percentile(b.spreadMs, 99))}, ` +
      `CPU per client ${ratio(s.cpuShare / s.clients, b.cpuShare / b.clients)}, ` +
      `RSS per client ${ratio(s.rssPerClient, b.rssPerClient)}` +
      (b.clients !== s.clients ? ` (baseline with ${int(b.clients)} clients)` : ''),
  )
  const all = s.clients * s.updates
  verdict(
    smoke,
    s.clients >= FANOUT_CLIENTS &&
      s.started === s.clients &&
      s.missed === 0 &&
      s.updates > 0 &&
      within(s.spreadMs) === all,
    `${int(FANOUT_CLIENTS)} clients each get every update within 1 s of the part's look ` +
      `(${int(within(s.spreadMs))}/${int(all)}; from the commit, poll included: ` +
      `${int(within(s.latenciesMs))}/${int(all)})`,
  )
  verdict(
    smoke,
    s.clients >= FANOUT_CLIENTS && s.rssPerClient < MAX_BYTES_PER_CLIENT,
    `under 20 KB of server memory per client (RSS ${kb(s.rssPerClient)} KB)`,
  )
}

export function printFreshness(
  results: [string, FreshnessFigures][],
  opts: FreshnessOptions,
  smoke: boolean,
) {
  printAligned(
    [
      '',
      'offered/s',
      'accepted/s',
      'dropped',
      'errors',
      'probes',
      'p50 ms',
      'p99 ms',
      'max ms',
      'timeouts',
      'lag at end',
      'lag 5 s later',
    ],
    results.map(([name, f]) => [
      name,
      int(f.offeredPerSecond),
      int(f.acceptedPerSecond),
      int(f.load.dropped),
      int(f.load.errors),
      int(f.probes),
      ms(percentile(f.latenciesMs, 50)),
      ms(percentile(f.latenciesMs, 99)),
      ms(Math.max(...f.latenciesMs)),
      int(f.timeouts),
      int(f.lagAtEnd),
      int(f.lagAfter),
    ]),
  )
  console.log(
    '  lag: records of analytics’ topics not yet applied by its consumers (summed over groups)',
  )
  for (const [name, f] of results) {
    if (f.load.firstError) console.log(`  ${name}: first load error: ${f.load.firstError}`)
    if (f.firstProbeError) console.log(`  ${name}: first probe error: ${f.firstProbeError}`)
  }
  for (const [name, f] of results) {
    const p99 = percentile(f.latenciesMs, 99)
    verdict(
      smoke,
      opts.eventsPerSecond >= FRESHNESS_RATE &&
        f.acceptedPerSecond >= FRESHNESS_RATE * 0.98 &&
        f.timeouts === 0 &&
        f.probeErrors === 0 &&
        p99 <= TARGET_MS,
      `${name}: an accepted event shows within 1 s (p99 ${ms(p99)} ms) at ` +
        `${int(f.acceptedPerSecond)} events/s accepted`,
    )
  }
}
