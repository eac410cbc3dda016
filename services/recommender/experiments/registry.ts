// The experiments as serving sees them: read from the database and kept in memory, so choosing a
// shopper's strategy costs a hash, not a query; and the exposures serving reports.
import type { OutboxWriter } from '../../../shared/bus/outbox-writer.ts'
import type { Db } from '../../../shared/db/client.ts'
import { createEvent } from '../../../shared/events/envelope.ts'
import { log } from '../../../shared/observability/log.ts'
import type { Strategy } from '../models/types.ts'
import { assignVariant, type Experiment } from './experiment.ts'
import { listExperiments, type StoredExperiment } from './store.ts'

const SOURCE = '/streamshop/recommender'

/** How often a process rereads the experiments: an admin's change elsewhere shows within this. */
export const EXPERIMENTS_REFRESH_MS = 5000

/** Exposures a process remembers having reported, so a shopper reloading a page is not resent. */
const REMEMBERED_EXPOSURES = 100_000

/** Which variant of which experiment a shopper is in, and the strategy it shows them. */
export interface Assignment {
  experimentId: string
  variant: string
  strategy: Strategy
}

export interface ExperimentRegistryOptions {
  db: Db
  /** Where exposures are appended (they change no other state). */
  outbox: OutboxWriter
  refreshMs?: number
}

export class ExperimentRegistry {
  readonly #db: Db
  readonly #outbox: OutboxWriter
  readonly #refreshMs: number
  #all: StoredExperiment[] = []
  #running: Experiment | null = null
  #timer: ReturnType<typeof setInterval> | null = null
  /** `${experiment}\0${variant}\0${user}` of exposures already reported, oldest first. */
  readonly #reported = new Set<string>()

  constructor(opts: ExperimentRegistryOptions) {
    this.#db = opts.db
    this.#outbox = opts.outbox
    this.#refreshMs = opts.refreshMs ?? EXPERIMENTS_REFRESH_MS
  }

  /** Reads the experiments, then rereads them every `refreshMs`. */
  async start(): Promise<void> {
    await this.refresh()
    this.#timer ??= setInterval(() => {
      this.refresh().catch((error) => log.warn({ err: error }, 'could not reread the experiments'))
    }, this.#refreshMs)
    this.#timer.unref?.()
  }

  async refresh(): Promise<void> {
    this.#all = await listExperiments(this.#db)
    this.#running = this.#all.find((e) => e.status === 'running') ?? null
  }

  /** Every experiment, as last read. */
  all(): readonly StoredExperiment[] {
    return this.#all
  }

  running(): Experiment | null {
    return this.#running
  }

  /** The shopper's variant in the running experiment; null when none runs (or has not started). */
  assign(userId: string, now = Date.now()): Assignment | null {
    const experiment = this.#running
    if (!experiment || now < Date.parse(experiment.startedAt)) return null
    const variant = assignVariant(experiment, userId)
    return { experimentId: experiment.id, variant: variant.name, strategy: variant.strategy }
  }

  /**
   * Reports that the shopper was shown their variant's recommendations, once per process and
   * variant (the results count a shopper once anyway). It does not wait for the write: an exposure
   * a crash loses in the next few milliseconds is reported again on the shopper's next view.
   */
  exposed(userId: string, assignment: Assignment): void {
    const key = `${assignment.experimentId}\0${assignment.variant}\0${userId}`
    if (this.#reported.has(key)) return
    this.#reported.add(key)
    if (this.#reported.size > REMEMBERED_EXPOSURES) {
      const oldest = this.#reported.values().next().value
      if (oldest !== undefined) this.#reported.delete(oldest)
    }
    const event = createEvent(
      'experiment.exposed',
      { ...assignment, userId, metadata: {} },
      { source: SOURCE },
    )
    this.#outbox.append([event]).catch((error) => {
      this.#reported.delete(key)
      log.warn({ err: error, experiment: assignment.experimentId }, 'could not record an exposure')
    })
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
  }
}

/**
 * The strategy to answer with: the one asked for (no experiment then), else the shopper's variant's,
 * else the default.
 */
export function chooseStrategy(
  registry: ExperimentRegistry | null,
  userId: string,
  asked: Strategy | undefined,
  fallback: Strategy,
): { strategy: Strategy; assignment: Assignment | null } {
  if (asked) return { strategy: asked, assignment: null }
  const assignment = registry?.assign(userId) ?? null
  return { strategy: assignment?.strategy ?? fallback, assignment }
}
