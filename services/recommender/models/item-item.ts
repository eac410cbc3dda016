// Item-item collaborative filtering from weighted co-occurrence: two items are similar when the
// same users engaged with both, and the more strongly the more similar (cosine over users' weights).
import { addScore, type Scores } from './top-k.ts'
import type { UserState } from './user-state.ts'

/** Neighbours kept per item for scoring; the rest of its co-occurrences still count in norms. */
const NEIGHBOURS = 50

export class ItemItem {
  /** Σ over users of w(u,i)·w(u,j), both directions. */
  readonly #co = new Map<string, Map<string, number>>()
  /** Σ over users of w(u,i)². */
  readonly #norm = new Map<string, number>()
  /** Top neighbours per item by cosine, rebuilt when the item's pairs changed since. */
  readonly #neighbours = new Map<string, [string, number][]>()

  /**
   * The user's weight on `itemId` went from `before` to `before + added`: every pair with the
   * items in their history grows by `added` × the other item's weight.
   */
  observe(user: UserState, itemId: string, before: number, added: number): void {
    const after = before + added
    this.#norm.set(itemId, (this.#norm.get(itemId) ?? 0) + after * after - before * before)
    for (const other of user.order) {
      if (other === itemId) continue
      const w = user.weights.get(other) ?? 0
      if (w <= 0) continue
      this.#bump(itemId, other, added * w)
      this.#bump(other, itemId, added * w)
    }
    this.#neighbours.delete(itemId)
  }

  #bump(a: string, b: string, amount: number): void {
    let row = this.#co.get(a)
    if (!row) {
      row = new Map()
      this.#co.set(a, row)
    }
    row.set(b, (row.get(b) ?? 0) + amount)
    this.#neighbours.delete(a)
  }

  remove(itemId: string): void {
    for (const other of this.#co.get(itemId)?.keys() ?? []) {
      this.#co.get(other)?.delete(itemId)
      this.#neighbours.delete(other)
    }
    this.#co.delete(itemId)
    this.#norm.delete(itemId)
    this.#neighbours.delete(itemId)
  }

  /** The items most similar to `itemId`, best first (cosine similarity). */
  neighbours(itemId: string): [string, number][] {
    const cached = this.#neighbours.get(itemId)
    if (cached) return cached
    const row = this.#co.get(itemId)
    const norm = this.#norm.get(itemId) ?? 0
    // The best NEIGHBOURS kept in order as the row is read, rather than sorting all of it: a row
    // holds every item ever seen with this one, and lists are rebuilt on every change to it.
    const list: [string, number][] = []
    if (row && norm > 0) {
      for (const [other, co] of row) {
        const otherNorm = this.#norm.get(other) ?? 0
        if (!(co > 0 && otherNorm > 0)) continue
        const entry: [string, number] = [other, co / Math.sqrt(norm * otherNorm)]
        if (list.length === NEIGHBOURS && !before(entry, list[NEIGHBOURS - 1] as [string, number]))
          continue
        let lo = 0
        let hi = list.length
        while (lo < hi) {
          const mid = (lo + hi) >>> 1
          if (before(list[mid] as [string, number], entry)) lo = mid + 1
          else hi = mid
        }
        list.splice(lo, 0, entry)
        if (list.length > NEIGHBOURS) list.pop()
      }
    }
    this.#neighbours.set(itemId, list)
    return list
  }

  /** Scores for a user: each history item lends its neighbours its weight × their similarity. */
  score(history: Iterable<[string, number]>, scores: Scores = new Map()): Scores {
    for (const [item, weight] of history) {
      for (const [other, sim] of this.neighbours(item)) addScore(scores, other, weight * sim, item)
    }
    return scores
  }

  get pairs(): number {
    let n = 0
    for (const row of this.#co.values()) n += row.size
    return n
  }
}

/** Higher similarity first; ties by item id, so every replica orders them alike. */
function before(a: [string, number], b: [string, number]): boolean {
  return a[1] > b[1] || (a[1] === b[1] && a[0] < b[0])
}
