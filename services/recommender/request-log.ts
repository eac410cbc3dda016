// The request log the seed's LENS kept: every ask for recommendations on `recommendation-requests`
// and its answer on `recommendation-responses`. Written through the outbox in small batches, off
// the request's path: serving never waits for it.
import type { OutboxWriter } from '../../shared/bus/outbox-writer.ts'
import { createEvent, type EventEnvelope } from '../../shared/events/envelope.ts'
import { log } from '../../shared/observability/log.ts'

const SOURCE = '/streamshop/recommender'

/**
 * How long events wait to be written together: short, since each write holds the thread that
 * serves requests (at 5,000 asks/s, 50 ms of them took milliseconds to insert and showed in p99).
 */
const FLUSH_MS = 10

/** Events held at most while the database is slow; beyond, the oldest are dropped and counted. */
const MAX_PENDING = 20_000

export interface LoggedRequest {
  userId: string
  strategy: string
  limit: number
  channel: 'api' | 'stream' | 'panel'
  experimentId: string | null
  variant: string | null
}

export interface LoggedResponse {
  productIds: string[]
  coldStart: boolean
  durationMs: number
}

export class RequestLog {
  readonly #outbox: OutboxWriter
  readonly #replica: string
  #pending: EventEnvelope[] = []
  #timer: ReturnType<typeof setTimeout> | null = null
  #flushing: Promise<void> = Promise.resolve()
  #logged = 0
  #dropped = 0

  constructor(outbox: OutboxWriter, replica: string) {
    this.#outbox = outbox
    this.#replica = replica
  }

  /** One ask and its answer; both events share a request id. */
  record(request: LoggedRequest, response: LoggedResponse): void {
    const requestId = Bun.randomUUIDv7()
    const replica = this.#replica
    this.#pending.push(
      createEvent(
        'recommendation.requested',
        { requestId, replica, ...request },
        { source: SOURCE },
      ),
      createEvent(
        'recommendation.served',
        {
          requestId,
          replica,
          userId: request.userId,
          strategy: request.strategy,
          productIds: response.productIds,
          coldStart: response.coldStart,
          durationMs: Math.round(response.durationMs * 1000) / 1000,
        },
        { source: SOURCE },
      ),
    )
    if (this.#pending.length > MAX_PENDING) {
      const excess = this.#pending.length - MAX_PENDING
      this.#pending.splice(0, excess)
      this.#dropped += excess
    }
    this.#timer ??= setTimeout(() => void this.flush(), FLUSH_MS)
  }

  /** Writes what is pending; resolves once it is committed (or given up on, and counted). */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    const batch = this.#pending
    this.#pending = []
    if (batch.length === 0) return this.#flushing
    this.#flushing = this.#flushing.then(() =>
      this.#outbox.append(batch).then(
        () => {
          this.#logged += batch.length
        },
        (error: unknown) => {
          this.#dropped += batch.length
          log.warn({ err: error, events: batch.length }, 'could not write the request log')
        },
      ),
    )
    return this.#flushing
  }

  /** Events written and dropped so far. */
  stats(): { logged: number; dropped: number } {
    return { logged: this.#logged, dropped: this.#dropped }
  }

  close(): Promise<void> {
    return this.flush()
  }
}
