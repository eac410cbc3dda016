// Fan-out: N admins' dashboards open on one process (raw-socket SSE clients of the Overview's live
// part), then the figures change N-independently (product views committed to the roll-ups), and
// each client's time from the commit to the message showing the new figure is measured. The part
// is re-read once a second, so up to a second of that is the poll, the rest is delivering it.

import { adminCookie, dashboardSetup, livePath, VIEWS_FIGURE } from './dashboard-session.ts'
import type { ChildServer } from './lib/child.ts'
import { openSseClients } from './lib/sse-clients.ts'

export interface FanoutOptions {
  clients: number
  updates: number
  /** How long every client may wait for its first message. */
  connectTimeoutMs: number
  /** How long after a change a client that has not shown it counts as missed. */
  updateTimeoutMs: number
}

interface ServerMemory {
  rss: number
  heapUsed: number
  cpu: { user: number; system: number }
}

export interface FanoutFigures {
  clients: number
  started: number
  failed: number
  firstError?: string
  connectMs: number
  /** Server memory after every client got its first message, less before any connected. */
  rssPerClient: number
  heapPerClient: number
  /** Per client and update: from the change's commit to the message showing it. */
  latenciesMs: number[]
  /** Per client and update: from the first client's message to this one's (the fan-out proper). */
  spreadMs: number[]
  /** Client-updates that never showed within updateTimeoutMs. */
  missed: number
  /** Server CPU (user + system) over the updates, as a share of one core. */
  cpuShare: number
  updates: number
}

const memoryOf = async (server: ChildServer) =>
  (await (await fetch(`${server.url}/bench/memory`)).json()) as ServerMemory

export async function measureFanout(
  server: ChildServer,
  opts: FanoutOptions,
): Promise<FanoutFigures> {
  const setup = await dashboardSetup(server)
  const cookie = await adminCookie(server, setup)
  const before = await memoryOf(server)
  const url = new URL(server.url)
  // What each client showed last, and when each first showed the update awaited.
  const shown = new Float64Array(opts.clients).fill(-1)
  const reachedAt = new Float64Array(opts.clients).fill(Number.NaN)
  let target = Number.POSITIVE_INFINITY
  let reached = 0
  const connectStarted = performance.now()
  const pool = await openSseClients({
    host: url.hostname,
    port: Number(url.port),
    path: livePath(setup),
    headers: { cookie },
    count: opts.clients,
    openWithinMs: opts.connectTimeoutMs,
    before: VIEWS_FIGURE,
    onValue(client, value, at) {
      shown[client] = value
      if (value >= target && Number.isNaN(reachedAt[client] as number)) {
        reachedAt[client] = at
        reached++
      }
    },
  })
  const figures: FanoutFigures = {
    clients: opts.clients,
    started: 0,
    failed: 0,
    connectMs: 0,
    rssPerClient: Number.NaN,
    heapPerClient: Number.NaN,
    latenciesMs: [],
    spreadMs: [],
    missed: 0,
    cpuShare: Number.NaN,
    updates: 0,
  }
  try {
    await pool.allStarted(Math.max(0, opts.connectTimeoutMs - (performance.now() - connectStarted)))
    figures.connectMs = performance.now() - connectStarted
    figures.started = pool.started
    if (pool.started < opts.clients) return figures
    // Let the streams' first writes and the connection storm's garbage settle before weighing.
    await Bun.sleep(1500)
    const after = await memoryOf(server)
    figures.rssPerClient = (after.rss - before.rss) / opts.clients
    figures.heapPerClient = (after.heapUsed - before.heapUsed) / opts.clients
    const cpuBefore = after.cpu
    const updatesStarted = performance.now()
    for (let u = 0; u < opts.updates; u++) {
      target = Math.max(...shown) + 1
      reachedAt.fill(Number.NaN)
      reached = 0
      // A change lands at a random point of the parts' one-second poll, as a real one would.
      await Bun.sleep(200 + Math.random() * 800)
      const { committedAt } = (await (
        await fetch(`${server.url}/bench/change?views=1`)
      ).json()) as { committedAt: number }
      const committed = committedAt - performance.timeOrigin
      const deadline = performance.now() + opts.updateTimeoutMs
      while (reached < opts.clients && performance.now() < deadline) await Bun.sleep(10)
      let first = Number.POSITIVE_INFINITY
      for (const at of reachedAt) if (!Number.isNaN(at)) first = Math.min(first, at)
      for (const at of reachedAt) {
        if (Number.isNaN(at)) figures.missed++
        else {
          figures.latenciesMs.push(at - committed)
          figures.spreadMs.push(at - first)
        }
      }
      figures.updates++
    }
    const cpuAfter = (await memoryOf(server)).cpu
    const cpuUs = cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system
    figures.cpuShare = cpuUs / 1000 / (performance.now() - updatesStarted)
  } finally {
    figures.failed = pool.failed
    figures.firstError = pool.firstError
    pool.close()
  }
  return figures
}
