// Durable timeouts: a saga's deadline is a column, so it fires after a restart too. Every
// orchestrator replica looks for overdue sagas; the version check in advanceSaga lets exactly one of
// them act on each deadline.
import type { Db } from '../../shared/db/client.ts'
import { log } from '../../shared/observability/log.ts'
import { onDeadline, type SagaSettings } from './saga.ts'
import { advanceSaga, dueSagas, SagaRaceError } from './saga-store.ts'

const BATCH = 200

export class SagaDeadlines {
  readonly #db: Db
  readonly #settings: SagaSettings
  readonly #pollMs: number
  #timer: ReturnType<typeof setTimeout> | null = null
  #running: Promise<void> | null = null
  #stopped = false

  constructor(db: Db, settings: SagaSettings, pollMs: number) {
    this.#db = db
    this.#settings = settings
    this.#pollMs = pollMs
  }

  start(): void {
    this.#schedule()
  }

  #schedule(): void {
    if (this.#stopped) return
    this.#timer = setTimeout(() => {
      this.#running = this.fireDue()
        .then(() => undefined)
        .catch((error) => log.warn({ err: error }, 'saga deadlines could not be checked; retrying'))
        .finally(() => {
          this.#running = null
          this.#schedule()
        })
    }, this.#pollMs)
    this.#timer.unref?.()
  }

  /** Acts on every saga whose deadline has passed; returns how many moved on. */
  async fireDue(now = Date.now()): Promise<number> {
    let moved = 0
    for (const orderId of await dueSagas(this.#db, now, BATCH)) {
      if (this.#stopped) break
      try {
        const transition = await this.#db.transaction((tx) =>
          advanceSaga(tx, orderId, (state, at) => onDeadline(state, at, this.#settings)),
        )
        if (transition) moved++
      } catch (error) {
        // Another replica or an answer got there first: the saga has moved on already.
        if (!(error instanceof SagaRaceError)) throw error
      }
    }
    return moved
  }

  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer) clearTimeout(this.#timer)
    await this.#running
  }
}
