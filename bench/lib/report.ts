import { type LoadResult, percentile } from './load.ts'

export interface Summary {
  requests: number
  events: number
  errors: number
  firstError?: string
  seconds: number
  eventsPerS: number
  p50: number
  p99: number
}

/** Pools one target's rounds: events over the summed load time; percentiles over every request. */
export function summarise(loads: LoadResult[]): Summary {
  const requests = loads.reduce((n, r) => n + r.requests, 0)
  const events = loads.reduce((n, r) => n + r.events, 0)
  const seconds = loads.reduce((n, r) => n + r.elapsedMs, 0) / 1000
  const latencies = loads.flatMap((r) => r.latenciesMs)
  return {
    requests,
    events,
    errors: loads.reduce((n, r) => n + r.errors, 0),
    firstError: loads.find((r) => r.firstError)?.firstError,
    seconds,
    eventsPerS: events / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  }
}

export const int = (n: number) => Math.round(n).toLocaleString('en-US')
const ms = (n: number) => n.toFixed(1)

/** Prints one row per target, numbers right-aligned. */
export function printTable(rows: [string, Summary][]): void {
  const header = ['target', 'requests', 'events', 'errors', 'events/s', 'p50 ms', 'p99 ms']
  const cells = rows.map(([name, s]) => [
    name,
    int(s.requests),
    int(s.events),
    int(s.errors),
    int(s.eventsPerS),
    ms(s.p50),
    ms(s.p99),
  ])
  printAligned(header, cells)
}

/** Prints a header and rows of cells: the first column left-aligned, the others right-aligned. */
export function printAligned(header: string[], cells: string[][]): void {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...cells.map((c) => (c[i] as string).length)),
  )
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === 0 ? v.padEnd(widths[i] as number) : v.padStart(widths[i] as number)))
      .join('  ')
  console.log(`  ${line(header)}`)
  for (const c of cells) console.log(`  ${line(c)}`)
}
