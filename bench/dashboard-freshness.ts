// Freshness: an admin's Overview stream is open while shoppers' events arrive at POST /api/events
// at a constant rate; probes (a view of a product nobody else views) are sent a few times a second,
// and each is timed from sending its POST to the first message whose “Product views” counts it.
// The path is the production one: ingest, outbox, relay, Kafka, analytics' consumer and its
// roll-ups, the part's once-a-second look, the stream. Background events are searches and clicks:
// they load every stage as much as views would, without moving the figure the probes read.

import { adminCookie, dashboardSetup, livePath, VIEWS_FIGURE } from './dashboard-session.ts'
import type { ChildServer } from './lib/child.ts'
import { type OpenLoopResult, runOpenLoop } from './lib/open-loop.ts'
import { openSseClients } from './lib/sse-clients.ts'

export interface FreshnessOptions {
  /** Background events per second, offered at a constant rate. */
  eventsPerSecond: number
  /** Events per POST of the background load. */
  batch: number
  durationMs: number
  probeEveryMs: number
  /** A probe not shown this long after it was sent is a timeout. */
  probeTimeoutMs: number
}

export interface FreshnessFigures {
  latenciesMs: number[]
  probes: number
  timeouts: number
  probeErrors: number
  firstProbeError?: string
  /** Background events answered 202, per second of the load. */
  acceptedPerSecond: number
  offeredPerSecond: number
  load: OpenLoopResult
  /** Analytics' consumer lag (records) when the load ended, and a few seconds later. */
  lagAtEnd: number
  lagAfter: number
  lagAfterMs: number
}

const SHOPPERS = 10_000
const FIRST_PROBE_TIMEOUT_MS = 60_000
const LAG_SETTLE_MS = 5000

const lagOf = async (server: ChildServer) =>
  ((await (await fetch(`${server.url}/bench/lag`)).json()) as { lag: number }[]).reduce(
    (n, g) => n + g.lag,
    0,
  )

function backgroundBody(batch: number, products: readonly string[]): string {
  const events = Array.from({ length: batch }, (_, i) => {
    const userId = `bench-shopper-${Math.floor(Math.random() * SHOPPERS)}`
    return i % 2 === 0
      ? { type: 'product.searched', userId, query: `thing ${i}` }
      : {
          type: 'product.clicked',
          userId,
          productId: products[Math.floor(Math.random() * products.length)],
        }
  })
  return JSON.stringify({ events })
}

export async function measureFreshness(
  server: ChildServer,
  opts: FreshnessOptions,
): Promise<FreshnessFigures> {
  const setup = await dashboardSetup(server)
  const cookie = await adminCookie(server, setup)
  const url = new URL(server.url)
  // When each value of the figure was first shown (a probe waiting for value v ends at the first
  // value ≥ v: views of the probe product are counted in order, they share a key and a partition).
  let shownValue = -1
  const waiting = new Map<number, (at: number) => void>()
  const pool = await openSseClients({
    host: url.hostname,
    port: Number(url.port),
    path: livePath(setup),
    headers: { cookie },
    count: 1,
    before: VIEWS_FIGURE,
    onValue(_client, value, at) {
      shownValue = Math.max(shownValue, value)
      for (const [expected, resolve] of waiting) {
        if (expected <= value) {
          waiting.delete(expected)
          resolve(at)
        }
      }
    },
  })
  const figures: FreshnessFigures = {
    latenciesMs: [],
    probes: 0,
    timeouts: 0,
    probeErrors: 0,
    acceptedPerSecond: 0,
    offeredPerSecond: 0,
    load: undefined as unknown as OpenLoopResult,
    lagAtEnd: Number.NaN,
    lagAfter: Number.NaN,
    lagAfterMs: LAG_SETTLE_MS,
  }
  let base = 0
  let probesSent = 0
  const probe = async (timeoutMs: number): Promise<number | null> => {
    const expected = base + ++probesSent
    const shown = Promise.withResolvers<number>()
    waiting.set(expected, shown.resolve)
    const timer = setTimeout(() => shown.resolve(Number.NaN), timeoutMs)
    try {
      const sentAt = performance.now()
      const res = await fetch(`${server.url}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'product.viewed',
          userId: 'bench-prober',
          productId: setup.productId,
        }),
      })
      if (res.status !== 202) throw new Error(`probe: HTTP ${res.status}: ${await res.text()}`)
      await res.body?.cancel()
      const at = await shown.promise
      return Number.isNaN(at) ? null : at - sentAt
    } finally {
      clearTimeout(timer)
      waiting.delete(expected)
    }
  }
  try {
    if (!(await pool.allStarted(30_000))) throw new Error(`dashboard stream: ${pool.firstError}`)
    // Probe n is shown once the figure reaches its first value plus n.
    base = shownValue
    // The first probe proves the path end to end (every consumer has joined its group).
    if ((await probe(FIRST_PROBE_TIMEOUT_MS)) === null)
      throw new Error('the dashboard did not show a probe within 60 s')
    const products = Array.from({ length: 50 }, (_, i) => `bench-product-${i}`)
    const rate = opts.eventsPerSecond / opts.batch
    const loading = runOpenLoop({
      host: url.hostname,
      port: Number(url.port),
      rate,
      durationMs: opts.durationMs,
      connections: 64,
      expectStatus: 202,
      next: () => ({
        method: 'POST',
        path: '/api/events',
        headers: { 'content-type': 'application/json' },
        body: backgroundBody(opts.batch, products),
      }),
    })
    const pending: Promise<void>[] = []
    const started = performance.now()
    for (let n = 1; performance.now() - started < opts.durationMs; n++) {
      await Bun.sleep(Math.max(0, started + n * opts.probeEveryMs - performance.now()))
      figures.probes++
      pending.push(
        probe(opts.probeTimeoutMs)
          .then((ms) => {
            if (ms === null) figures.timeouts++
            else figures.latenciesMs.push(ms)
          })
          .catch((error: Error) => {
            figures.probeErrors++
            figures.firstProbeError ??= error.message
          }),
      )
    }
    const load = await loading
    figures.load = load
    figures.lagAtEnd = await lagOf(server)
    await Promise.all(pending)
    const seconds = load.elapsedMs / 1000
    figures.acceptedPerSecond = (load.answered * opts.batch) / seconds
    figures.offeredPerSecond = (load.offered * opts.batch) / (opts.durationMs / 1000)
    await Bun.sleep(LAG_SETTLE_MS)
    figures.lagAfter = await lagOf(server)
  } finally {
    pool.close()
  }
  return figures
}
