import { sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { busMetrics } from '../observability/metrics.ts'
import { log } from '../observability/log.ts'
import { sleep } from './delivery.ts'
import { markPublished, outboxDepth, pendingEvents, prunePublished } from './outbox.ts'
import { outboxLease } from './schema.ts'
import type { EventBus } from './types.ts'

export interface RelayOptions {
  batchSize: number
  pollMs: number
  retentionMs: number
  /** How long a relay keeps the lease without renewing it. */
  leaseMs?: number
}

/**
 * Publishes the outbox in order and marks what was sent. While the bus is down it backs off and
 * retries the same batch; nothing is skipped. One relay per database holds a lease, so replicas
 * never publish out of order.
 */
export class OutboxRelay {
  readonly #db: Db
  readonly #bus: EventBus
  readonly #opts: Required<RelayOptions>
  readonly #owner = Bun.randomUUIDv7()
  readonly #stop = new AbortController()
  #wake: (() => void) | null = null
  #loop: Promise<void> | null = null
  #lastPrune = 0

  constructor(db: Db, bus: EventBus, opts: RelayOptions) {
    this.#db = db
    this.#bus = bus
    this.#opts = { leaseMs: 10_000, ...opts }
  }

  start(): void {
    this.#loop ??= this.#run()
  }

  /** Asks the relay to look at the outbox now instead of at its next poll. */
  notify(): void {
    this.#wake?.()
  }

  /** Publishes everything pending once; returns how many events went out. */
  async drainOnce(): Promise<number> {
    let sent = 0
    for (;;) {
      const batch = await pendingEvents(this.#db, this.#opts.batchSize)
      if (batch.length === 0) return sent
      await this.#bus.publish(batch.map((r) => r.record))
      await markPublished(
        this.#db,
        batch.map((r) => r.seq),
      )
      sent += batch.length
      if (batch.length < this.#opts.batchSize) return sent
    }
  }

  async #run(): Promise<void> {
    let failures = 0
    while (!this.#stop.signal.aborted) {
      try {
        if (await this.#holdLease()) {
          await this.drainOnce()
          await this.#maintain()
        }
        failures = 0
      } catch (error) {
        failures++
        if (failures === 1 || failures % 20 === 0) {
          log.warn({ err: error, failures }, 'outbox relay cannot publish yet; retrying')
        }
      }
      const delay = failures === 0 ? this.#opts.pollMs : Math.min(5000, this.#opts.pollMs * 2 ** failures)
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

  async #holdLease(): Promise<boolean> {
    const now = Date.now()
    const rows = await this.#db
      .insert(outboxLease)
      .values({ name: 'relay', owner: this.#owner, expiresAt: now + this.#opts.leaseMs })
      .onConflictDoUpdate({
        target: outboxLease.name,
        set: { owner: this.#owner, expiresAt: now + this.#opts.leaseMs },
        setWhere: sql`${outboxLease.owner} = ${this.#owner} or ${outboxLease.expiresAt} < ${now}`,
      })
      .returning({ owner: outboxLease.owner })
    return rows[0]?.owner === this.#owner
  }

  async #maintain(): Promise<void> {
    busMetrics.outboxDepth.set(await outboxDepth(this.#db))
    if (Date.now() - this.#lastPrune > 60_000) {
      this.#lastPrune = Date.now()
      await prunePublished(this.#db, this.#opts.retentionMs)
    }
  }

  async stop(): Promise<void> {
    this.#stop.abort()
    await this.#loop
    await this.#db.delete(outboxLease).where(sql`${outboxLease.owner} = ${this.#owner}`).catch(() => {})
  }
}
