// Session-aware: what the user did last says most about what they want next. Each of their last
// interactions lends its neighbours a share that shrinks by more than half with every step back.
import type { ItemItem } from './item-item.ts'
import { addScore, type Scores } from './top-k.ts'
import type { UserState } from './user-state.ts'

// Each step back in time counts for less than the kind of interaction can make up: a view just
// now outweighs a cart add one step before it.
const RECENCY = 0.4

export function sessionScores(user: UserState, itemItem: ItemItem): Scores {
  const scores: Scores = new Map()
  let decay = 1
  for (let i = user.recent.length - 1; i >= 0; i--) {
    const { itemId, weight } = user.recent[i] as UserState['recent'][number]
    for (const [other, sim] of itemItem.neighbours(itemId)) {
      addScore(scores, other, decay * (1 + Math.log(weight)) * sim, itemId)
    }
    decay *= RECENCY
  }
  return scores
}
