// Serving: GET /api/recommendations/:userId?limit=10 for random bench shoppers at a constant
// offered rate, over raw keep-alive sockets (bench/lib/open-loop.ts).

import { seededRandom } from '../test/helpers/planted.ts'
import type { ChildServer } from './lib/child.ts'
import { percentile } from './lib/load.ts'
import { type OpenLoopResult, runOpenLoop } from './lib/open-loop.ts'
import { HISTORY_USERS, shopperId } from './recs-history.ts'

export interface ServingOptions {
  rate: number
  /** Named in every request; absent, the shop chooses (its default, or the running experiment). */
  strategy?: string
  connections: number
  warmupMs: number
  durationMs: number
}

export interface ServingFigures {
  offered: number
  answered: number
  dropped: number
  errors: number
  firstError?: string
  /** Answered requests per second, over the load plus the wait for its last answers. */
  perSecond: number
  p50: number
  p99: number
}

function figures(r: OpenLoopResult): ServingFigures {
  return {
    offered: r.offered,
    answered: r.answered,
    dropped: r.dropped,
    errors: r.errors,
    firstError: r.firstError,
    perSecond: r.answered / (r.elapsedMs / 1000),
    p50: percentile(r.latenciesMs, 50),
    p99: percentile(r.latenciesMs, 99),
  }
}

const PRIMING_WORKERS = 16

/**
 * Asks once for every bench shopper's recommendations, closed-loop, until done or `maxMs` passes;
 * returns how many were asked. The shop's first answer to a shopper in a running A/B experiment
 * records their exposure (an outbox write): a one-off, kept out of the steady state measured after.
 */
export async function primeShoppers(
  server: ChildServer,
  strategy: string | undefined,
  maxMs: number,
): Promise<{ shoppers: number; ms: number }> {
  const started = performance.now()
  let next = 0
  const query = `limit=10${strategy ? `&strategy=${strategy}` : ''}`
  const worker = async () => {
    while (next < HISTORY_USERS && performance.now() - started < maxMs) {
      const res = await fetch(`${server.url}/api/recommendations/${shopperId(next++)}?${query}`)
      await res.arrayBuffer()
    }
  }
  await Promise.all(Array.from({ length: PRIMING_WORKERS }, worker))
  return { shoppers: next, ms: performance.now() - started }
}

/** Loads one server at the offered rate: a warm-up (discarded), then the measured run. */
export async function measureServing(
  server: ChildServer,
  opts: ServingOptions,
): Promise<ServingFigures> {
  // The same shoppers in the same order for every target.
  const random = seededRandom(42)
  const query = `limit=10${opts.strategy ? `&strategy=${opts.strategy}` : ''}`
  const load = (durationMs: number) =>
    runOpenLoop({
      host: '127.0.0.1',
      port: server.port,
      rate: opts.rate,
      durationMs,
      connections: opts.connections,
      nextPath: () =>
        `/api/recommendations/${shopperId(Math.floor(random() * HISTORY_USERS))}?${query}`,
    })
  const warm = await load(opts.warmupMs)
  if (warm.answered === 0)
    throw new Error(`${server.label}: no answer in the warm-up: ${warm.firstError}`)
  return figures(await load(opts.durationMs))
}
