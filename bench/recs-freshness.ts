// Freshness: how long after a shopper's event is POSTed to /api/events their open stream
// (`/api/recommendations/:userId/stream`) shows the change, the event travelling the production
// path (ingest, outbox, relay, Kafka, follower, models, stream) while background shoppers' events
// flow at a steady rate. A probe views the first item of the probe shopper's current answer: an
// item a shopper engaged with is never recommended to them, so the probe ends at the first
// message without it.

import { seededRandom } from '../test/helpers/planted.ts'
import type { ChildServer } from './lib/child.ts'
import { demoCatalog, HISTORY_USERS, shopperId } from './recs-history.ts'

export interface FreshnessOptions {
  probeUsers: number
  /** The streams' strategy; absent, the shop chooses. */
  strategy?: string
  /** Probes started per second, across the probe shoppers. */
  probesPerSecond: number
  /** Background events per second, in batches of BATCH, from shoppers who are not probed. */
  backgroundPerSecond: number
  warmupMs: number
  durationMs: number
}

export interface FreshnessFigures {
  /** Per probe: from sending the POST to the stream's message without the viewed item. */
  latenciesMs: number[]
  /** Per probe: from sending the POST to its 202. */
  acceptMs: number[]
  timeouts: number
  errors: number
  firstError?: string
  backgroundPerSecond: number
}

const BATCH = 10
/** A probe whose update takes longer counts as a timeout (infinitely late in the percentiles). */
export const PROBE_TIMEOUT_MS = 10_000
const FIRST_PROBE_TIMEOUT_MS = 60_000
const MAX_BACKGROUND_IN_FLIGHT = 32

interface Waiting {
  productId: string
  resolve: (at: number) => void
}

/** One probe shopper's open stream: the latest answer's product ids, and a probe waiting on it. */
class ProbeStream {
  readonly userId: string
  latest: string[] = []
  waiting: Waiting | null = null
  busy = false
  readonly #abort = new AbortController()
  readonly #first = Promise.withResolvers<void>()

  constructor(userId: string) {
    this.userId = userId
  }

  async open(url: string, strategy: string | undefined): Promise<void> {
    const query = `limit=10${strategy ? `&strategy=${strategy}` : ''}`
    const res = await fetch(`${url}/api/recommendations/${this.userId}/stream?${query}`, {
      signal: this.#abort.signal,
    })
    if (res.status !== 200 || !res.body)
      throw new Error(`stream of ${this.userId}: HTTP ${res.status}`)
    const ended = new Error(`the stream of ${this.userId} ended before its first message`)
    void this.#read(res.body)
      .catch(() => {})
      .finally(() => this.#first.reject(ended))
    const timer = setTimeout(
      () => this.#first.reject(new Error(`no first message on ${this.userId}'s stream in 30 s`)),
      30_000,
    )
    try {
      await this.#first.promise
    } finally {
      clearTimeout(timer)
    }
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder()
    let buffer = ''
    for await (const chunk of body) {
      const at = performance.now()
      buffer += decoder.decode(chunk, { stream: true })
      let end = buffer.indexOf('\n\n')
      while (end >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart())
          .join('\n')
        if (data) this.#message(JSON.parse(data) as { data: { productId: string }[] }, at)
        end = buffer.indexOf('\n\n')
      }
    }
  }

  #message(answer: { data: { productId: string }[] }, at: number): void {
    this.latest = answer.data.map((i) => i.productId)
    this.#first.resolve()
    if (this.waiting && !this.latest.includes(this.waiting.productId)) this.waiting.resolve(at)
  }

  close(): void {
    this.#abort.abort()
  }
}

interface ProbeResult {
  ms: number | null
  acceptMs: number
}

async function probe(url: string, stream: ProbeStream, timeoutMs: number): Promise<ProbeResult> {
  const productId = stream.latest[0]
  if (!productId) throw new Error(`${stream.userId}'s stream has no item to view`)
  const changed = Promise.withResolvers<number>()
  stream.waiting = { productId, resolve: changed.resolve }
  const timer = setTimeout(() => changed.resolve(Number.NaN), timeoutMs)
  try {
    const sentAt = performance.now()
    const res = await fetch(`${url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'product.viewed', userId: stream.userId, productId }),
    })
    const acceptMs = performance.now() - sentAt
    if (res.status !== 202)
      throw new Error(`POST /api/events: HTTP ${res.status}: ${await res.text()}`)
    await res.body?.cancel()
    const at = await changed.promise
    return { ms: Number.isNaN(at) ? null : at - sentAt, acceptMs }
  } finally {
    clearTimeout(timer)
    stream.waiting = null
  }
}

/** Background shoppers' views at a steady rate, until stopped; counts the accepted ones. */
class Background {
  accepted = 0
  #stopped = false
  #inFlight = 0

  constructor(url: string, perSecond: number, probeUsers: number) {
    const random = seededRandom(7)
    const products = demoCatalog().products.map((p) => p.id)
    const started = performance.now()
    let sent = 0
    const tick = () => {
      if (this.#stopped) return
      const due = Math.floor(((performance.now() - started) * perSecond) / 1000 / BATCH)
      // A batch whose turn comes with too many in flight is skipped, not queued.
      for (; sent < due; sent++) {
        if (this.#inFlight >= MAX_BACKGROUND_IN_FLIGHT) continue
        const events = Array.from({ length: BATCH }, () => ({
          type: 'product.viewed',
          userId: shopperId(probeUsers + Math.floor(random() * (HISTORY_USERS - probeUsers))),
          productId: products[Math.floor(random() * products.length)],
        }))
        this.#inFlight++
        fetch(`${url}/api/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ events }),
        })
          .then(async (res) => {
            if (res.status === 202) this.accepted += BATCH
            await res.body?.cancel()
          })
          .catch(() => {})
          .finally(() => this.#inFlight--)
      }
      setTimeout(tick, 5)
    }
    tick()
  }

  stop(): void {
    this.#stopped = true
  }
}

/** Probes the server's streams for `durationMs` (after a warm-up) under background load. */
export async function measureFreshness(
  server: ChildServer,
  opts: FreshnessOptions,
): Promise<FreshnessFigures> {
  const streams = Array.from({ length: opts.probeUsers }, (_, n) => new ProbeStream(shopperId(n)))
  const result: FreshnessFigures = {
    latenciesMs: [],
    acceptMs: [],
    timeouts: 0,
    errors: 0,
    backgroundPerSecond: 0,
  }
  let next = 0
  /** The next probe shopper, round robin, whose last probe has ended. */
  const idle = (): ProbeStream | undefined => {
    for (let i = 0; i < streams.length; i++) {
      const stream = streams[(next + i) % streams.length] as ProbeStream
      if (stream.busy) continue
      next = (next + i + 1) % streams.length
      return stream
    }
    return undefined
  }
  const round = async (durationMs: number, record: boolean) => {
    const pending: Promise<void>[] = []
    const started = performance.now()
    for (let n = 0; performance.now() - started < durationMs; n++) {
      await Bun.sleep(Math.max(0, started + (n * 1000) / opts.probesPerSecond - performance.now()))
      const stream = idle()
      if (!stream) continue
      stream.busy = true
      pending.push(
        probe(server.url, stream, PROBE_TIMEOUT_MS)
          .then((r) => {
            if (!record) return
            result.acceptMs.push(r.acceptMs)
            if (r.ms === null) result.timeouts++
            else result.latenciesMs.push(r.ms)
          })
          .catch((error: Error) => {
            result.errors++
            result.firstError ??= error.message
          })
          .finally(() => {
            stream.busy = false
          }),
      )
    }
    await Promise.all(pending)
  }

  let background: Background | null = null
  try {
    await Promise.all(streams.map((s) => s.open(server.url, opts.strategy)))
    // The first probe proves the path works end to end (the follower has joined its group).
    const first = await probe(server.url, streams[0] as ProbeStream, FIRST_PROBE_TIMEOUT_MS)
    if (first.ms === null)
      throw new Error(`${server.label}: no stream update within 60 s of an event`)
    background = new Background(server.url, opts.backgroundPerSecond, opts.probeUsers)
    await round(opts.warmupMs, false)
    const acceptedBefore = background.accepted
    const started = performance.now()
    await round(opts.durationMs, true)
    result.backgroundPerSecond =
      (background.accepted - acceptedBefore) / ((performance.now() - started) / 1000)
  } finally {
    background?.stop()
    for (const s of streams) s.close()
  }
  return result
}
