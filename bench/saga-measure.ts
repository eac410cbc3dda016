// The two measurements of `bun run bench saga`, each on the running shop process: orders offered
// at a constant rate to the synchronous baseline (each answered when done), then to
// POST /api/orders, followed to their terminal state through the shop's own timestamps.
import type { ChildServer } from './lib/child.ts'
import { int } from './lib/report.ts'
import { BASELINE_PATH } from './saga-baseline.ts'
import type { Leg, SagaOrders } from './saga-figures.ts'
import { type PostLoadResult, runPostLoad } from './saga-load.ts'
import { orderBody, orderLines, type SignedInShopper } from './saga-shoppers.ts'

export interface MeasureOptions {
  rate: number
  durationMs: number
  baselineMs: number
  warmupOrders: number
  connections: number
  /** How long after the load the orders still in flight are waited for. */
  drainMs: number
}

/** What the measurements need of the shop: its address, products and signed-in shoppers. */
export interface Shop {
  server: ChildServer
  products: { id: string }[]
  shoppers: SignedInShopper[]
}

/** What one consumer of the shop applied so far (each record in a transaction of its own). */
export interface ConsumerCount {
  group: string
  topic: string
  handled: number
  retried: number
  deadLettered: number
}

export interface SagaRun {
  load: PostLoadResult
  orders: SagaOrders
  steps: Record<string, { out: Leg; back: Leg }>
  /** Applied by each consumer between the start of the load and the end of the drain. */
  consumers: ConsumerCount[]
  drainedAfterMs: number
  /** CPU time of the shop process (user + system) from the start of the load to the end of the wait. */
  cpuMs: number
}

export interface BaselineRun {
  load: PostLoadResult
  /** CPU time of the shop process during the load. */
  cpuMs: number
  /** From the start of the load to its last answer. */
  elapsedMs: number
}

// Warm-up orders go at most this fast; the saga's are waited for before the load starts.
const WARMUP_RATE = 50
const WARMUP_DRAIN_MS = 60_000

export async function getJson<T>(server: ChildServer, path: string): Promise<T> {
  const res = await fetch(`${server.url}${path}`)
  const text = await res.text()
  if (res.status !== 200)
    throw new Error(`GET ${path} answered ${res.status}: ${text.slice(0, 300)}`)
  return JSON.parse(text) as T
}

/** Offers orders of the seeded sequence to `path` at `rate` for `ms`, round-robin over shoppers. */
function offer(shop: Shop, path: string, connections: number, rate: number, ms: number) {
  const lines = orderLines(shop.products, 9)
  let turn = 0
  return runPostLoad({
    host: '127.0.0.1',
    port: shop.server.port,
    rate,
    durationMs: ms,
    connections,
    expectStatus: path === BASELINE_PATH ? 200 : 202,
    next: () => {
      const shopper = shop.shoppers[turn++ % shop.shoppers.length] as SignedInShopper
      return {
        path,
        headers: {
          cookie: shopper.cookie,
          'x-csrf-token': shopper.csrfToken,
          'idempotency-key': crypto.randomUUID(),
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: orderBody(lines()),
      }
    },
  })
}

function warmUp(shop: Shop, path: string, opts: MeasureOptions) {
  const rate = Math.min(opts.rate, WARMUP_RATE)
  return offer(shop, path, opts.connections, rate, (1000 * opts.warmupOrders) / rate)
}

/** Waits until every saga created since `from` is terminal, or `ms` passed; the last count. */
async function drain(server: ChildServer, from: number, expected: number, ms: number) {
  const deadline = performance.now() + ms
  for (;;) {
    const p = await getJson<{ placed: number; terminal: number }>(
      server,
      `/bench/progress?from=${from}`,
    )
    if ((p.terminal >= p.placed && p.placed >= expected) || performance.now() > deadline) return p
    await Bun.sleep(250)
  }
}

/** The shop process's CPU time so far, in ms. */
async function cpuMs(server: ChildServer): Promise<number> {
  const { user, system } = await getJson<{ user: number; system: number }>(server, '/bench/cpu')
  return (user + system) / 1000
}

/** The shop's CPU ms per second while nothing is offered: consumers polling, relay, timers. */
export async function idleCpuPerSecond(server: ChildServer, ms: number): Promise<number> {
  const before = await cpuMs(server)
  await Bun.sleep(ms)
  return (((await cpuMs(server)) - before) * 1000) / ms
}

function difference(after: ConsumerCount[], before: ConsumerCount[]): ConsumerCount[] {
  return after.map((a) => {
    const b = before.find((x) => x.group === a.group && x.topic === a.topic)
    return {
      ...a,
      handled: a.handled - (b?.handled ?? 0),
      retried: a.retried - (b?.retried ?? 0),
      deadLettered: a.deadLettered - (b?.deadLettered ?? 0),
    }
  })
}

/**
 * The baseline's warm-up, then its load. A baseline that completes no warm-up order is a broken
 * setup, not a figure.
 */
export async function measureBaseline(shop: Shop, opts: MeasureOptions): Promise<BaselineRun> {
  const warm = await warmUp(shop, BASELINE_PATH, opts)
  if (warm.answers.length === 0)
    throw new Error(`the baseline completed no order: ${warm.firstError ?? 'no answer'}`)
  console.log(`  baseline: ${warm.answers.length} warm-up orders answered; measuring…`)
  const cpuBefore = await cpuMs(shop.server)
  const started = performance.now()
  const load = await offer(shop, BASELINE_PATH, opts.connections, opts.rate, opts.baselineMs)
  const elapsedMs = performance.now() - started
  return { load, cpuMs: (await cpuMs(shop.server)) - cpuBefore, elapsedMs }
}

/**
 * The saga's warm-up (every order must end, or the setup is broken), then its load, then up to
 * `drainMs` for the orders still in flight, then the figures read back from the shop.
 */
export async function measureSaga(shop: Shop, opts: MeasureOptions): Promise<SagaRun> {
  const { server } = shop
  const warmFrom = Date.now()
  const warm = await warmUp(shop, '/api/orders', opts)
  if (warm.answers.length === 0)
    throw new Error(`POST /api/orders placed no order: ${warm.firstError ?? 'no answer'}`)
  const warmed = await drain(server, warmFrom, warm.answers.length, WARMUP_DRAIN_MS)
  if (warmed.terminal === 0)
    throw new Error(`none of ${warmed.placed} warm-up orders reached a terminal state in 60 s`)
  console.log(`  saga: ${warmed.terminal} of ${warmed.placed} warm-up orders terminal; measuring…`)
  const before = await getJson<ConsumerCount[]>(server, '/bench/consumers')
  const cpuBefore = await cpuMs(server)
  const from = Date.now()
  const load = await offer(shop, '/api/orders', opts.connections, opts.rate, opts.durationMs)
  const drained = await drain(server, from, load.answers.length, opts.drainMs)
  const drainedAfterMs = Date.now() - load.endedAt
  const after = await getJson<ConsumerCount[]>(server, '/bench/consumers')
  const cpu = (await cpuMs(server)) - cpuBefore
  console.log(
    `  saga: ${int(drained.terminal)} of ${int(drained.placed)} orders terminal ` +
      `${(drainedAfterMs / 1000).toFixed(1)} s after the load ended`,
  )
  return {
    load,
    orders: await getJson<SagaOrders>(server, `/bench/orders?from=${from}`),
    steps: await getJson<SagaRun['steps']>(server, `/bench/steps?from=${from}`),
    consumers: difference(after, before),
    drainedAfterMs,
    cpuMs: cpu,
  }
}
