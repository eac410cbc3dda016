// Popularity with time decay, and trending: how fast an item is gathering interest now against
// its longer-run rate. Scores decay lazily: each is stored with the time it was last brought up to
// date and decayed on read, so an update costs O(1) however many items there are.

const LN2 = Math.LN2

/** A score that halves every `halfLifeMs` without anyone touching it. */
class DecayedCounters {
  readonly #rate: number
  readonly #values = new Map<string, { value: number; at: number }>()

  constructor(halfLifeMs: number) {
    this.#rate = LN2 / halfLifeMs
  }

  add(id: string, amount: number, at: number): void {
    const v = this.#values.get(id)
    if (!v) {
      this.#values.set(id, { value: amount, at })
      return
    }
    // Events can arrive a little out of order: decay forward only, and weigh a late one less.
    if (at >= v.at) {
      v.value = v.value * Math.exp(-this.#rate * (at - v.at)) + amount
      v.at = at
    } else {
      v.value += amount * Math.exp(-this.#rate * (v.at - at))
    }
  }

  get(id: string, now: number): number {
    const v = this.#values.get(id)
    if (!v) return 0
    return now >= v.at ? v.value * Math.exp(-this.#rate * (now - v.at)) : v.value
  }

  ids(): IterableIterator<string> {
    return this.#values.keys()
  }

  delete(id: string): void {
    this.#values.delete(id)
  }

  get size(): number {
    return this.#values.size
  }
}

export interface PopularityOptions {
  /** Popularity half-life (default 14 days). */
  halfLifeMs?: number
  /** Trending compares a short window's rate ... (default 1 hour) */
  shortHalfLifeMs?: number
  /** ... with a long one's (default 1 day). */
  longHalfLifeMs?: number
}

const HOUR = 3_600_000
const DAY = 24 * HOUR

/** Decayed popularity and trending velocity per item, updated per interaction. */
export class Popularity {
  readonly #popular: DecayedCounters
  readonly #short: DecayedCounters
  readonly #long: DecayedCounters
  readonly #shortHalfLife: number
  readonly #longHalfLife: number

  constructor(opts: PopularityOptions = {}) {
    this.#popular = new DecayedCounters(opts.halfLifeMs ?? 14 * DAY)
    this.#shortHalfLife = opts.shortHalfLifeMs ?? HOUR
    this.#longHalfLife = opts.longHalfLifeMs ?? DAY
    this.#short = new DecayedCounters(this.#shortHalfLife)
    this.#long = new DecayedCounters(this.#longHalfLife)
  }

  observe(itemId: string, weight: number, at: number): void {
    this.#popular.add(itemId, weight, at)
    this.#short.add(itemId, weight, at)
    this.#long.add(itemId, weight, at)
  }

  remove(itemId: string): void {
    this.#popular.delete(itemId)
    this.#short.delete(itemId)
    this.#long.delete(itemId)
  }

  score(itemId: string, now: number): number {
    return this.#popular.get(itemId, now)
  }

  /** Every item's decayed popularity. */
  scores(now: number): Map<string, number> {
    const out = new Map<string, number>()
    for (const id of this.#popular.ids()) out.set(id, this.#popular.get(id, now))
    return out
  }

  /**
   * Velocity: the short window's rate over the long window's, both per unit of time. Well above 1
   * an item is gathering interest faster than it usually does; its score weighs that by how much
   * interest there is now, so one stray view does not trend.
   */
  trending(now: number): Map<string, number> {
    const out = new Map<string, number>()
    const scale = this.#longHalfLife / this.#shortHalfLife
    for (const id of this.#short.ids()) {
      const recent = this.#short.get(id, now)
      if (recent < 2) continue
      const velocity = (recent * scale) / Math.max(this.#long.get(id, now), 1e-9)
      // Twice the usual rate at least: a steady item young in the log looks a little faster.
      if (velocity > 2) out.set(id, recent * Math.log(velocity))
    }
    return out
  }
}
