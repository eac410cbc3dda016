// The live models' follower of the log, able to rebuild them from another position without a
// pause: a staging copy is fed from there by a follower of its own while requests are answered
// from the live models; once it has caught up, the live recommender takes its models in one step,
// the new follower goes on feeding it, and the old one is closed with its group.
import type { EventBus, SeekPosition } from '../../shared/bus/types.ts'
import { log } from '../../shared/observability/log.ts'
import { type FollowOptions, followLog, type LogFollower } from './follower.ts'
import type { Recommender } from './recommender.ts'
import { BackgroundTrainer } from './trainer.ts'

/** What a rebuild swapped in. */
export interface RebuildReport {
  /** Events that taught the rebuilt models something. */
  eventsApplied: number
  /** From the start of the rebuild to the swap. */
  durationMs: number
  users: number
  products: number
}

/** A newer rebuild replaced this one before it was done; the live models were left alone. */
export class RebuildSupersededError extends Error {
  constructor(readonly supersededBy: string) {
    super(`superseded by the newer replay request ${supersededBy}`)
    this.name = 'RebuildSupersededError'
  }
}

export interface ReplayableFollowOptions extends FollowOptions {
  /** The matrix model's size: when set, a rebuild trains its own on a worker before the swap. */
  easeMaxItems?: number
  /** Retrains the live matrix model; resolves when that run is over. Called after every swap. */
  retrain?: () => Promise<unknown>
}

interface RunningRebuild {
  cancel(reason: Error): void
  /** Settles once the rebuild has swapped or cleaned up after itself. */
  settled: Promise<unknown>
}

export class ReplayableFollower implements LogFollower {
  readonly #bus: EventBus
  readonly #recommender: Recommender
  readonly #opts: ReplayableFollowOptions
  #current: LogFollower
  #running: RunningRebuild | null = null
  #closing = false

  private constructor(
    bus: EventBus,
    recommender: Recommender,
    opts: ReplayableFollowOptions,
    first: LogFollower,
  ) {
    this.#bus = bus
    this.#recommender = recommender
    this.#opts = opts
    this.#current = first
  }

  /** Starts following the log into `recommender`, from `opts.from` (everything retained by default). */
  static async start(
    bus: EventBus,
    recommender: Recommender,
    opts: ReplayableFollowOptions = {},
  ): Promise<ReplayableFollower> {
    const first = await followLog(bus, recommender, opts)
    return new ReplayableFollower(bus, recommender, opts, first)
  }

  get group(): string {
    return this.#current.group
  }

  get caughtUp(): Promise<void> {
    return this.#current.caughtUp
  }

  applyTo(recommender: Recommender | null): void {
    this.#current.applyTo(recommender)
  }

  /**
   * Rebuilds the models from `from` and swaps them in once caught up. A rebuild still running is
   * superseded (it rejects with RebuildSupersededError, the live models untouched): the newer
   * request is what the operator wants now, and finishing the older one first would only be
   * thrown away.
   */
  rebuild(from: SeekPosition, requestId: string): Promise<RebuildReport> {
    if (this.#closing) return Promise.reject(new Error('the recommender is stopping'))
    const previous = this.#running
    previous?.cancel(new RebuildSupersededError(requestId))
    const cancelled = Promise.withResolvers<never>()
    cancelled.promise.catch(() => {})
    // One staging copy at a time: the superseded one is closed before the next one starts.
    const result = (async () => {
      await previous?.settled
      return this.#rebuild(from, cancelled.promise)
    })()
    const run: RunningRebuild = { cancel: cancelled.reject, settled: result.catch(() => {}) }
    this.#running = run
    return result.finally(() => {
      if (this.#running === run) this.#running = null
    })
  }

  async #rebuild(from: SeekPosition, cancelled: Promise<never>): Promise<RebuildReport> {
    const started = performance.now()
    const staging = this.#recommender.catalogCopy()
    let swapped = false
    const follower = await followLog(this.#bus, staging, {
      from,
      // Replayed events were announced when they first happened: only new ones are, after the swap.
      onApplied: (userId) => {
        if (swapped) this.#opts.onApplied?.(userId)
      },
    })
    try {
      await Promise.race([follower.caughtUp, cancelled])
      await this.#trainStaging(staging, cancelled)
    } catch (error) {
      await follower.close()
      throw error
    }
    // One synchronous step: the old follower stops applying and the new one feeds the live
    // recommender from its next record, so no record is applied twice or lost in between.
    const old = this.#current
    old.applyTo(null)
    this.#recommender.adopt(staging)
    follower.applyTo(this.#recommender)
    this.#current = follower
    swapped = true
    const metrics = this.#recommender.liveMetrics()
    const report: RebuildReport = {
      eventsApplied: metrics.eventsApplied,
      durationMs: performance.now() - started,
      users: metrics.users,
      products: metrics.products,
    }
    await old
      .close()
      .catch((error) =>
        log.warn({ err: error, group: old.group }, 'could not close the replaced follower'),
      )
    void this.#retrain()
    return report
  }

  // The models are swapped in whole, the matrix model too: without it, `ease` would answer as
  // item-item until the live trainer next sees a change, which it counts in interactions (and a
  // replay of the same stretch has as many as before).
  async #trainStaging(staging: Recommender, cancelled: Promise<never>): Promise<void> {
    const maxItems = this.#opts.easeMaxItems
    if (maxItems === undefined) return
    // Never started: it trains once, now, on a worker of its own.
    const trainer = new BackgroundTrainer(staging, { intervalMs: 0, maxItems })
    try {
      await Promise.race([trainer.trainIfChanged(), cancelled])
    } finally {
      trainer.close()
    }
  }

  // A training run started before the swap installs a model learned from the old models when it
  // ends: the first call waits for it (or trains), the second trains on the rebuilt ones (or
  // finds nothing changed).
  async #retrain(): Promise<void> {
    const retrain = this.#opts.retrain
    if (!retrain) return
    try {
      await retrain()
      await retrain()
    } catch (error) {
      log.warn({ err: error }, 'retraining after a replay failed; the next interval retries')
    }
  }

  async close(): Promise<void> {
    this.#closing = true
    const running = this.#running
    running?.cancel(new Error('the recommender is stopping'))
    await running?.settled
    await this.#current.close()
  }
}
