import type { Db } from '../db/client.ts'
import { RecordRejectedError } from '../errors.ts'
import { log } from '../observability/log.ts'
import { busMetrics } from '../observability/metrics.ts'
import {
  advanceCursors,
  type OutboxRow,
  oldestPendingAgeSeconds,
  outboxDepth,
  pendingEvents,
  prunePublished,
  recordBytes,
  rejectEvents,
} from './outbox.ts'
import { RelayLease } from './relay-lease.ts'
import { sleep } from './sleep.ts'
import type { EventBus } from './types.ts'

export interface RelayOptions {
  batchSize: number
  pollMs: number
  retentionMs: number
  /** How long a relay keeps the lease without renewing it. */
  leaseMs?: number
  /** After a notify, wait this long so events from concurrent requests go out in one batch. */
  lingerMs?: number
  /** Bytes per produce request, under the broker's default message.max.bytes (1 MiB). */
  maxBatchBytes?: number
  /** Longest wait before a topic the broker would not take is tried again. */
  maxBackoffMs?: number
  /** Owners of relays known to be dead that this one may take the lease from at once. */
  takeOverFrom?: string[]
}

function withinBytes(rows: OutboxRow[], budget: number): OutboxRow[] {
  let used = 0
  let n = 0
  for (const row of rows) {
    used += recordBytes(row.record)
    if (n > 0 && used > budget) break
    n++
  }
  return rows.slice(0, n)
}

function byTopic(rows: OutboxRow[]): Map<string, OutboxRow[]> {
  const topics = new Map<string, OutboxRow[]>()
  for (const row of rows) {
    const list = topics.get(row.record.topic)
    if (list) list.push(row)
    else topics.set(row.record.topic, [row])
  }
  return topics
}

/** A topic the broker would not take: tried again after `until`; holds the cursor before `firstSeq`. */
interface Parked {
  until: number
  failures: number
  firstSeq: number
}

/** A publish slower than this is logged: the broker or the network stalled. */
const SLOW_PUBLISH_MS = 2000

/** A drain of fewer events than this was a trickle: the next notify does not linger. */
const LIGHT_DRAIN = 32

/**
 * Publishes the outbox in order per key and moves its cursors past what was sent. Each topic goes
 * its own way: one the broker will not take is parked with its own backoff and retried in order,
 * while the others keep flowing. One relay per database holds a lease, so replicas never publish
 * out of order.
 */
export class OutboxRelay {
  readonly #db: Db
  readonly #bus: EventBus
  readonly #opts: Required<Omit<RelayOptions, 'takeOverFrom'>>
  readonly #lease: RelayLease
  readonly #stop = new AbortController()
  readonly #parked = new Map<string, Parked>()
  /** Rows past the cursors already written or set aside: a topic retried later skips them. */
  readonly #done = new Set<number>()
  #wake: (() => void) | null = null
  #lingering = false
  /** Events the last drain published: a light one means nobody else's events are on their way. */
  #lastDrained = 0
  #notifiedWhileBusy = false
  #loop: Promise<void> | null = null
  #lastMaintenance = 0

  constructor(db: Db, bus: EventBus, opts: RelayOptions) {
    this.#db = db
    this.#bus = bus
    // The lease outlives the worst publish (request timeout × retries), so a slow publish does not
    // let a second relay start on the same rows.
    this.#opts = {
      leaseMs: 60_000,
      lingerMs: 5,
      maxBatchBytes: 900_000,
      maxBackoffMs: 5000,
      ...opts,
    }
    this.#lease = new RelayLease(db, this.#opts.leaseMs, opts.takeOverFrom)
  }

  /** Who this relay is in the lease; a supervisor that saw it die may hand it to the next one. */
  get owner(): string {
    return this.#lease.owner
  }

  start(): void {
    this.#loop ??= this.#run()
  }

  /**
   * Asks the relay to look at the outbox now instead of at its next poll. It lingers first so that
   * concurrent requests' events go out together, unless the last drain was light (a trickle has no
   * batch worth waiting for): then it looks at once.
   */
  notify(): void {
    if (!this.#wake) {
      // Mid-drain: the rows may have been read already, so drain again at once rather than at the
      // next poll.
      this.#notifiedWhileBusy = true
      return
    }
    if (this.#lingering) return
    if (this.#lastDrained < LIGHT_DRAIN) {
      this.#wake()
      return
    }
    this.#lingering = true
    setTimeout(() => {
      this.#lingering = false
      this.#wake?.()
    }, this.#opts.lingerMs)
  }

  /** Publishes everything pending while this relay holds the lease; returns how many events went out. */
  async drainOnce(): Promise<number> {
    let sent = 0
    // A topic that failed is not tried again in the same drain, however short its backoff.
    const failed = new Set<string>()
    for (;;) {
      // Renewed every few seconds while publishing, so a long backlog never outlives the lease.
      const cursor = await this.#lease.hold()
      if (cursor === null) {
        this.#forget()
        break
      }
      const now = Date.now()
      const parked = [...this.#parked]
        .filter(([topic, p]) => p.until > now || failed.has(topic))
        .map(([topic]) => topic)
      const rows = await pendingEvents(this.#db, cursor, this.#opts.batchSize, parked)
      if (rows.length === 0) break
      const batch = withinBytes(rows, this.#opts.maxBatchBytes)
      const end = (batch[batch.length - 1] as OutboxRow).seq
      const topics = [...byTopic(batch)]
      // Topics are published side by side, each in order: a failing one holds up only itself.
      const failedAt = await Promise.all(
        topics.map(([topic, list]) =>
          this.#publish(topic, list).catch((error) => this.#failed(topic, list, error)),
        ),
      )
      const ahead: { topic: string; seq: number }[] = []
      topics.forEach(([topic, list], i) => {
        const first = failedAt[i]
        if (first === null || first === undefined) {
          this.#parked.delete(topic)
          ahead.push({ topic, seq: end })
          sent += list.length
        } else {
          this.#park(topic, first)
          failed.add(topic)
        }
      })
      // The cursor stops before the first row of any parked topic; what others published beyond
      // it is remembered per topic.
      let published = end
      for (const p of this.#parked.values()) published = Math.min(published, p.firstSeq - 1)
      const moved = await advanceCursors(this.#db, this.#lease.owner, published, ahead)
      if (moved === null) {
        // The lease moved on while we published; the new holder continues.
        this.#forget()
        break
      }
      this.#lease.advanced(moved)
      for (const seq of this.#done) if (seq <= published) this.#done.delete(seq)
      if (rows.length < this.#opts.batchSize && batch.length === rows.length) break
    }
    return sent
  }

  /**
   * Publishes one topic's rows in order. Returns null when every row is out or set aside, else the
   * seq of the first row still to publish. A refusal names the records not written; only those are
   * sent again, one at a time, so that only the ones refused on their own are set aside.
   */
  async #publish(topic: string, rows: OutboxRow[]): Promise<number | null> {
    const todo = rows.filter((r) => !this.#done.has(r.seq))
    if (todo.length === 0) return null
    let retry: OutboxRow[]
    const started = performance.now()
    try {
      await this.#bus.publish(todo.map((r) => r.record))
      this.#tookLong(topic, todo.length, started)
      return null
    } catch (error) {
      this.#tookLong(topic, todo.length, started)
      if (!(error instanceof RecordRejectedError)) return this.#failed(topic, todo, error)
      const unwritten = new Set(error.unwritten ?? todo.keys())
      todo.forEach((row, i) => {
        if (!unwritten.has(i)) this.#done.add(row.seq)
      })
      retry = todo.filter((_, i) => unwritten.has(i))
    }
    for (const row of retry) {
      try {
        await this.#bus.publish([row.record])
      } catch (error) {
        if (!(error instanceof RecordRejectedError))
          return this.#failed(topic, retry.slice(retry.indexOf(row)), error)
        log.error(
          { err: error, eventId: row.eventId, topic: row.record.topic },
          'event refused by the broker; set aside',
        )
        busMetrics.outboxRejected.inc()
        await rejectEvents(this.#db, [row], error.message)
      }
      this.#done.add(row.seq)
    }
    return null
  }

  /**
   * A publish that took seconds held every event behind it in the outbox that long: worth a line
   * in the log, with the topic, since the client retried inside it without saying so.
   */
  #tookLong(topic: string, events: number, started: number): void {
    const ms = performance.now() - started
    if (ms >= SLOW_PUBLISH_MS)
      log.warn({ topic, events, ms: Math.round(ms) }, 'outbox relay: a publish took long')
  }

  /** Logs a topic's failure; returns the seq of its first row still to publish, if any. */
  #failed(topic: string, rows: OutboxRow[], error: unknown): number | null {
    const failures = (this.#parked.get(topic)?.failures ?? 0) + 1
    if (failures === 1 || failures % 20 === 0) {
      log.warn(
        { err: error, topic, failures },
        'outbox relay cannot publish this topic yet; retrying',
      )
    }
    return rows.find((r) => !this.#done.has(r.seq))?.seq ?? null
  }

  #park(topic: string, firstSeq: number): void {
    const failures = (this.#parked.get(topic)?.failures ?? 0) + 1
    const backoff = Math.min(this.#opts.maxBackoffMs, this.#opts.pollMs * 2 ** failures)
    this.#parked.set(topic, { until: Date.now() + backoff, failures, firstSeq })
  }

  // What this relay knew about rows past the cursor is only true while it holds the lease.
  #forget(): void {
    this.#lease.forget()
    this.#parked.clear()
    this.#done.clear()
  }

  async #run(): Promise<void> {
    let failures = 0
    while (!this.#stop.signal.aborted) {
      try {
        this.#lastDrained = await this.drainOnce()
        failures = 0
      } catch (error) {
        failures++
        // Whatever failed, the next round reads the lease and cursor from the database again.
        this.#lease.forget()
        if (failures === 1 || failures % 20 === 0) {
          log.warn({ err: error, failures }, 'outbox relay cannot publish yet; retrying')
        }
      }
      // Depth and age matter most while nothing goes out, so they are measured either way.
      await this.#maintain().catch((error) =>
        log.warn({ err: error }, 'outbox relay could not measure or prune the outbox'),
      )
      const delay =
        failures === 0
          ? this.#opts.pollMs
          : Math.min(this.#opts.maxBackoffMs, this.#opts.pollMs * 2 ** failures)
      // A notify that came mid-drain drains again at once, unless publishing is failing (back off).
      await this.#idle(delay, failures === 0)
    }
  }

  #idle(ms: number, wakeIfNotified: boolean): Promise<void> {
    const notified = this.#notifiedWhileBusy
    this.#notifiedWhileBusy = false
    if (notified && wakeIfNotified && !this.#stop.signal.aborted) return Promise.resolve()
    const woken = new Promise<void>((resolve) => {
      this.#wake = resolve
    })
    return Promise.race([sleep(ms, this.#stop.signal), woken]).finally(() => {
      this.#wake = null
    })
  }

  async #maintain(): Promise<void> {
    if (Date.now() - this.#lastMaintenance < 1000) return
    this.#lastMaintenance = Date.now()
    busMetrics.outboxDepth.set(await outboxDepth(this.#db))
    busMetrics.outboxOldestSeconds.set(await oldestPendingAgeSeconds(this.#db))
    const cursor = await this.#lease.cursorIfHeld()
    if (cursor !== null) await prunePublished(this.#db, cursor, this.#opts.retentionMs)
  }

  async stop(): Promise<void> {
    this.#stop.abort()
    await this.#loop
    // Hand the lease over at once instead of letting it expire.
    await this.#lease.release().catch(() => {})
  }
}
