// How good the recommendations are in use: of the products shown to shoppers, how many they
// clicked from the panel (the online click-through rate) and how many they then engaged with at
// all (online precision). Counted per distinct shopper and product, since a panel re-rendered ten
// times is one recommendation, not ten.
import type { InteractionKind } from './models/types.ts'

/** How long after being shown a product's engagement still counts for the recommendation. */
export const ENGAGEMENT_WINDOW_MS = 30 * 60_000

/** Shown pairs remembered at most; the oldest are forgotten first (their counts stay). */
const MAX_TRACKED = 200_000

interface ShownPair {
  at: number
  clicked: boolean
  engaged: boolean
}

export interface OnlineQualitySnapshot {
  /** Distinct (shopper, product) recommendations shown since start. */
  shown: number
  clicked: number
  engaged: number
  ctr: number | null
  precision: number | null
}

export class OnlineQuality {
  /** `${shopper}\0${product}` → when it was first shown and what came of it, oldest first. */
  readonly #pairs = new Map<string, ShownPair>()
  #shown = 0
  #clicked = 0
  #engaged = 0

  /** These products were shown to the shopper as recommendations. */
  shown(userId: string, productIds: readonly string[], now = Date.now()): void {
    for (const productId of productIds) {
      const key = `${userId}\0${productId}`
      const known = this.#pairs.get(key)
      // Shown again after the window: a new recommendation of the same product.
      if (known && now - known.at <= ENGAGEMENT_WINDOW_MS) continue
      if (known) this.#pairs.delete(key)
      this.#pairs.set(key, { at: now, clicked: false, engaged: false })
      this.#shown++
    }
    while (this.#pairs.size > MAX_TRACKED) {
      const oldest = this.#pairs.keys().next().value
      if (oldest === undefined) break
      this.#pairs.delete(oldest)
    }
  }

  /** The shopper did something with a product: it counts if it was recommended to them lately. */
  interacted(userId: string, productId: string, kind: InteractionKind, at: number): void {
    const pair = this.#pairs.get(`${userId}\0${productId}`)
    if (!pair || at < pair.at || at - pair.at > ENGAGEMENT_WINDOW_MS) return
    if (kind === 'recommendation_click' && !pair.clicked) {
      pair.clicked = true
      this.#clicked++
    }
    if (!pair.engaged) {
      pair.engaged = true
      this.#engaged++
    }
  }

  snapshot(): OnlineQualitySnapshot {
    const rate = (n: number) => (this.#shown > 0 ? n / this.#shown : null)
    return {
      shown: this.#shown,
      clicked: this.#clicked,
      engaged: this.#engaged,
      ctr: rate(this.#clicked),
      precision: rate(this.#engaged),
    }
  }
}
