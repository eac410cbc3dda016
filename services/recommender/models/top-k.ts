import type { Strategy } from './types.ts'

/** An item's score and which item of the user's history (if any) earned most of it. */
export interface Scored {
  score: number
  /** The history item that contributed most: named in the reason ("because you viewed …"). */
  because?: string
  becauseWeight?: number
  /** In a blend: the strategy that contributed most, whose reason is shown. */
  component?: Strategy
}

export type Scores = Map<string, Scored>

/** A score with nothing behind it yet, in the one shape every score has. */
export function scored(score: number, because?: string): Scored {
  return { score, because, becauseWeight: score, component: undefined }
}

/** Adds `amount` to an item's score, remembering the history item that contributed most. */
export function addScore(scores: Scores, itemId: string, amount: number, because?: string): void {
  const s = scores.get(itemId)
  if (!s) {
    // One object shape for every score, so the engine's hot loops stay monomorphic.
    scores.set(itemId, scored(amount, because))
    return
  }
  s.score += amount
  if (because !== undefined && amount > (s.becauseWeight ?? Number.NEGATIVE_INFINITY)) {
    s.because = because
    s.becauseWeight = amount
  }
}

/** The `k` best-scored items not in `exclude`, best first; ties break by item id so runs agree. */
export function topK(
  scores: Iterable<[string, Scored]>,
  k: number,
  exclude: (itemId: string) => boolean,
): [string, Scored][] {
  const best: [string, Scored][] = []
  if (k <= 0) return best
  for (const entry of scores) {
    const [id, s] = entry
    if (!(s.score > 0) || exclude(id)) continue
    if (best.length === k) {
      const worst = best[k - 1] as [string, Scored]
      if (!better(entry, worst)) continue
      best.pop()
    }
    let i = best.length
    while (i > 0 && better(entry, best[i - 1] as [string, Scored])) i--
    best.splice(i, 0, entry)
  }
  return best
}

function better(a: [string, Scored], b: [string, Scored]): boolean {
  return a[1].score > b[1].score || (a[1].score === b[1].score && a[0] < b[0])
}
