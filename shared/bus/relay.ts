import { and, eq, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { RecordRejectedError } from '../errors.ts'
import { log } from '../observability/log.ts'
import { busMetrics } from '../observability/metrics.ts'
import { sleep } from './sleep.ts'
import {
  type OutboxRow,
  oldestPendingAgeSeconds,
  outboxDepth,
  pendingEvents,
  prunePublished,
  recordBytes,
  rejectEvents,
} from './outbox.ts'
import { outboxRelay } from './schema.ts'
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

const NAME = 'relay'

/**
 * Publishes the outbox in order and moves its cursor past what was sent. While the bus is down it
 * backs off and retries the same batch; nothing is skipped. One relay per database holds a lease,
 * so replicas never publish out of order.
 */
export class OutboxRelay {
  readonly #db: Db
  readonly #bus: EventBus
  readonly #opts: Required<RelayOptions>
  readonly #owner = Bun.randomUUIDv7()
  readonly #stop = new AbortController()
  #wake: (() => void) | null = null
  #lingering = false
  #loop: Promise<void> | null = null
  #lastMaintenance = 0

  constructor(db: Db, bus: EventBus, opts: RelayOptions) {
    this.#db = db
    this.#bus = bus
    // The lease outlives the worst publish (request timeout × retries), so a slow publish does not
    // let a second relay start on the same rows.
    this.#opts = { leaseMs: 60_000, lingerMs: 5, maxBatchBytes: 900_000, ...opts }
  }

  start(): void {
    this.#loop ??= this.#run()
  }

  /** Asks the relay to look at the outbox now instead of at its next poll. */
  notify(): void {
    if (this.#lingering || !this.#wake) return
    this.#lingering = true
    setTimeout(() => {
      this.#lingering = false
      this.#wake?.()
    }, this.#opts.lingerMs)
  }

  /** Publishes everything pending while this relay holds the lease; returns how many events went out. */
  async drainOnce(): Promise<number> {
    let sent = 0
    for (;;) {
      // Renewed before every batch, so a long backlog never outlives the lease.
      const cursor = await this.#holdLease()
      if (cursor === null) break
      const rows = await pendingEvents(this.#db, cursor, this.#opts.batchSize)
      if (rows.length === 0) break
      const batch = withinBytes(rows, this.#opts.maxBatchBytes)
      await this.#publish(batch)
      const last = (batch[batch.length - 1] as OutboxRow).seq
      const moved = await this.#db
        .update(outboxRelay)
        .set({ publishedSeq: last })
        .where(and(eq(outboxRelay.name, NAME), eq(outboxRelay.owner, this.#owner)))
        .returning({ seq: outboxRelay.publishedSeq })
      if (moved.length === 0) break // the lease moved on while we published; the new holder continues
      sent += batch.length
      if (rows.length < this.#opts.batchSize && batch.length === rows.length) break
    }
    return sent
  }

  // A batch the broker refuses for good is published one record at a time, in order, so that only
  // the records it refuses are set aside and the outbox never stalls behind them.
  async #publish(batch: OutboxRow[]): Promise<void> {
    try {
      await this.#bus.publish(batch.map((r) => r.record))
      return
    } catch (error) {
      if (!(error instanceof RecordRejectedError)) throw error
    }
    for (const row of batch) {
      try {
        await this.#bus.publish([row.record])
      } catch (error) {
        if (!(error instanceof RecordRejectedError)) throw error
        log.error(
          { err: error, eventId: row.record.headers.ce_id, topic: row.record.topic },
          'event refused by the broker; set aside',
        )
        busMetrics.outboxRejected.inc()
        await rejectEvents(this.#db, [row], error.message)
      }
    }
  }

  async #run(): Promise<void> {
    let failures = 0
    while (!this.#stop.signal.aborted) {
      try {
        await this.drainOnce()
        await this.#maintain()
        failures = 0
      } catch (error) {
        failures++
        if (failures === 1 || failures % 20 === 0) {
          log.warn({ err: error, failures }, 'outbox relay cannot publish yet; retrying')
        }
      }
      const delay =
        failures === 0 ? this.#opts.pollMs : Math.min(5000, this.#opts.pollMs * 2 ** failures)
      await this.#idle(delay)
    }
  }

  #idle(ms: number): Promise<void> {
    const woken = new Promise<void>((resolve) => {
      this.#wake = resolve
    })
    return Promise.race([sleep(ms, this.#stop.signal), woken]).finally(() => {
      this.#wake = null
    })
  }

  /** Takes or renews the lease; returns the published cursor when this relay holds it, else null. */
  async #holdLease(): Promise<number | null> {
    const now = Date.now()
    const rows = await this.#db
      .insert(outboxRelay)
      .values({
        name: NAME,
        owner: this.#owner,
        leaseExpiresAt: now + this.#opts.leaseMs,
        publishedSeq: 0,
      })
      .onConflictDoUpdate({
        target: outboxRelay.name,
        set: { owner: this.#owner, leaseExpiresAt: now + this.#opts.leaseMs },
        setWhere: sql`${outboxRelay.owner} = ${this.#owner} or ${outboxRelay.leaseExpiresAt} < ${now}`,
      })
      .returning({ owner: outboxRelay.owner, seq: outboxRelay.publishedSeq })
    return rows[0]?.owner === this.#owner ? rows[0].seq : null
  }

  async #maintain(): Promise<void> {
    if (Date.now() - this.#lastMaintenance < 1000) return
    this.#lastMaintenance = Date.now()
    busMetrics.outboxDepth.set(await outboxDepth(this.#db))
    busMetrics.outboxOldestSeconds.set(await oldestPendingAgeSeconds(this.#db))
    const [row] = await this.#db.select().from(outboxRelay).where(eq(outboxRelay.name, NAME))
    if (row?.owner === this.#owner)
      await prunePublished(this.#db, row.publishedSeq, this.#opts.retentionMs)
  }

  async stop(): Promise<void> {
    this.#stop.abort()
    await this.#loop
    // Hand the lease over at once instead of letting it expire.
    await this.#db
      .update(outboxRelay)
      .set({ leaseExpiresAt: 0 })
      .where(and(eq(outboxRelay.name, NAME), eq(outboxRelay.owner, this.#owner)))
      .catch(() => {})
  }
}
