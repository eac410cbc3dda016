// The request log the seed's LENS kept: every ask for recommendations on `recommendation-requests`
// and its answer on `recommendation-responses`. The serving thread only notes each ask; a thread
// of its own turns them into events and appends them to the outbox, with its own connection. At
// thousands of asks per second, building and inserting them on the serving thread took its p99
// at 5,000 req/s from 2.6 ms (no log) to 6.7 ms.
import { wakeRelays } from '../../shared/bus/commit.ts'
import type { Synchronous } from '../../shared/db/client.ts'
import { log } from '../../shared/observability/log.ts'

/** How long asks wait to be handed over together. */
const FLUSH_MS = 20

/** Asks held at most while the writer is behind; beyond, the oldest are dropped and counted. */
const MAX_PENDING = 20_000

/** One ask and its answer, as the serving thread notes it. */
export interface LoggedAsk {
  userId: string
  strategy: string
  limit: number
  channel: 'api' | 'stream' | 'panel'
  experimentId: string | null
  variant: string | null
  productIds: string[]
  coldStart: boolean
  /** Time to compute the answer, in milliseconds. */
  durationMs: number
  /** When it was answered (ms since the epoch). */
  at: number
}

export type RequestLogRequest =
  | {
      type: 'open'
      url: string
      authToken?: string
      synchronous: Synchronous
      replica: string
    }
  | { type: 'log'; asks: LoggedAsk[] }
  | { type: 'close' }

export type RequestLogReport =
  | { type: 'written'; asks: number }
  | { type: 'failed'; asks: number; message: string }
  | { type: 'closed' }

export interface RequestLogOptions {
  /** The database whose outbox the log goes to (the writer thread opens its own connection). */
  url: string
  authToken?: string
  synchronous: Synchronous
  /** Names this process in every entry (host/pid). */
  replica: string
}

export class RequestLog {
  readonly #opts: RequestLogOptions
  #worker: Worker | null = null
  #pending: LoggedAsk[] = []
  #timer: ReturnType<typeof setTimeout> | null = null
  #inFlight = 0
  #logged = 0
  #dropped = 0
  #closed: PromiseWithResolvers<void> | null = null

  constructor(opts: RequestLogOptions) {
    this.#opts = opts
  }

  /** Notes one ask and its answer; both events, sharing a request id, are written soon. */
  record(ask: LoggedAsk): void {
    if (this.#closed) return
    this.#pending.push(ask)
    if (this.#pending.length > MAX_PENDING) {
      const excess = this.#pending.length - MAX_PENDING
      this.#pending.splice(0, excess)
      this.#dropped += excess
    }
    this.#timer ??= setTimeout(() => this.flush(), FLUSH_MS)
  }

  /** Hands what is pending to the writer thread. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    if (this.#pending.length === 0) return
    const asks = this.#pending
    this.#pending = []
    this.#inFlight += asks.length
    this.#thread().postMessage({ type: 'log', asks } satisfies RequestLogRequest)
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker
    const worker = new Worker(new URL('./request-log-worker.ts', import.meta.url).href)
    worker.onmessage = (event: MessageEvent<RequestLogReport>) => {
      const report = event.data
      if (report.type === 'closed') {
        this.#closed?.resolve()
        return
      }
      this.#inFlight -= report.asks
      if (report.type === 'written') {
        this.#logged += report.asks
        wakeRelays()
      } else {
        this.#dropped += report.asks
        log.warn({ error: report.message, asks: report.asks }, 'could not write the request log')
      }
    }
    worker.addEventListener('close', () => {
      if (this.#worker !== worker) return
      // Whatever it had not written is lost: counted, and the next flush starts another.
      this.#worker = null
      this.#dropped += this.#inFlight
      this.#inFlight = 0
      this.#closed?.resolve()
    })
    const { url, authToken, synchronous, replica } = this.#opts
    worker.postMessage({
      type: 'open',
      url,
      authToken,
      synchronous,
      replica,
    } satisfies RequestLogRequest)
    this.#worker = worker
    return worker
  }

  /** Asks written and dropped so far (each ask is two events). */
  stats(): { logged: number; dropped: number } {
    return { logged: this.#logged, dropped: this.#dropped }
  }

  /** Writes what is pending, then stops the writer thread. */
  async close(): Promise<void> {
    if (this.#closed) return this.#closed.promise
    this.flush()
    this.#closed = Promise.withResolvers<void>()
    const worker = this.#worker
    if (!worker) {
      this.#closed.resolve()
      return
    }
    worker.postMessage({ type: 'close' } satisfies RequestLogRequest)
    const timer = setTimeout(() => worker.terminate(), 5000)
    await this.#closed.promise
    clearTimeout(timer)
    this.#worker = null
    worker.terminate()
  }
}
