// The hybrid: each model's scores scaled to [0, 1] for this user, then blended with fixed weights.
// The reason shown is that of the model that contributed most to the item.
import { addScore, type Scores } from './top-k.ts'
import type { Strategy } from './types.ts'

/** Shares of the blend; a missing model (EASE not trained yet) gives its share to the rest. */
export const HYBRID_WEIGHTS: Partial<Record<Strategy, number>> = {
  ease: 0.35,
  'item-item': 0.25,
  session: 0.15,
  content: 0.15,
  popular: 0.1,
}

export function blend(parts: Map<Strategy, Scores>): Scores {
  let totalWeight = 0
  for (const strategy of parts.keys()) totalWeight += HYBRID_WEIGHTS[strategy] ?? 0
  const out: Scores = new Map()
  const bestShare = new Map<string, number>()
  for (const [strategy, scores] of parts) {
    let max = 0
    for (const s of scores.values()) max = Math.max(max, s.score)
    if (max <= 0) continue
    const weight = (HYBRID_WEIGHTS[strategy] ?? 0) / (totalWeight || 1)
    for (const [itemId, s] of scores) {
      if (!(s.score > 0)) continue
      const share = (weight * s.score) / max
      addScore(out, itemId, share)
      if (share > (bestShare.get(itemId) ?? 0)) {
        bestShare.set(itemId, share)
        const blended = out.get(itemId)
        if (blended) {
          blended.component = strategy
          blended.because = s.because
        }
      }
    }
  }
  return out
}
