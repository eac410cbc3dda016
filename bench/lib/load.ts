/** What one load run measured: requests that got the expected status, and how long each took. */
export interface LoadResult {
  requests: number
  events: number
  errors: number
  firstError?: string
  elapsedMs: number
  latenciesMs: number[]
}

export interface LoadOptions {
  url: string
  /** Requests in flight at once; each worker sends its next request when the last one answers. */
  concurrency: number
  durationMs: number
  /** A fresh JSON body and how many events it carries; called once per request. */
  nextBody: () => { body: string; events: number }
  expectStatus: number
}

// Give up rather than spin when the server is gone: a worker stops after this many failures in a row.
const MAX_CONSECUTIVE_FAILURES = 20
const REQUEST_TIMEOUT_MS = 30_000

/**
 * Closed-loop load: `concurrency` workers POST back to back until the duration is over, over
 * keep-alive connections. Throughput counts the time until the last response, so requests still
 * in flight at the deadline are neither free nor dropped.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { requests: 0, events: 0, errors: 0, elapsedMs: 0, latenciesMs: [] }
  const started = performance.now()
  const deadline = started + opts.durationMs

  async function worker(): Promise<void> {
    let failures = 0
    while (performance.now() < deadline && failures < MAX_CONSECUTIVE_FAILURES) {
      const { body, events } = opts.nextBody()
      const sent = performance.now()
      try {
        const res = await fetch(opts.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        })
        const text = await res.text()
        if (res.status !== opts.expectStatus)
          throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`)
        result.latenciesMs.push(performance.now() - sent)
        result.requests++
        result.events += events
        failures = 0
      } catch (error) {
        failures++
        result.errors++
        result.firstError ??= (error as Error).message
      }
    }
  }

  await Promise.all(Array.from({ length: opts.concurrency }, worker))
  result.elapsedMs = performance.now() - started
  return result
}

/** Nearest-rank percentile (`p` in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN
  const sorted = Float64Array.from(samples).sort()
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number
}
