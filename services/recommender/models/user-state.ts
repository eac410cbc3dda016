import type { Interaction, InteractionKind } from './types.ts'

/** How much each kind of interaction says about taste: view < click < cart < purchase. */
export const KIND_WEIGHTS: Record<Exclude<InteractionKind, 'rating'>, number> = {
  view: 1,
  click: 1.5,
  recommendation_click: 1.5,
  cart: 3,
  purchase: 5,
}

const KIND_RANK: Record<InteractionKind, number> = {
  view: 0,
  click: 1,
  recommendation_click: 1,
  rating: 2,
  cart: 3,
  purchase: 4,
}

/** Items a user's pairs are counted over, most recent first; older ones keep their weight. */
export const MAX_HISTORY = 100
/** Interactions the session model looks back over. */
export const SESSION_LENGTH = 10

/** One user's history as every model reads it. */
export interface UserState {
  /** Accumulated weight per item. */
  weights: Map<string, number>
  /** Items in the order last touched (most recent last), at most MAX_HISTORY. */
  order: string[]
  /** The last SESSION_LENGTH interactions. */
  recent: { itemId: string; kind: InteractionKind; weight: number; at: number }[]
  purchased: Set<string>
  /** The strongest kind of interaction per item, for the reason ("because you bought …"). */
  kinds: Map<string, InteractionKind>
  ratingSum: number
  ratingCount: number
}

export function newUserState(): UserState {
  return {
    weights: new Map(),
    order: [],
    recent: [],
    purchased: new Set(),
    kinds: new Map(),
    ratingSum: 0,
    ratingCount: 0,
  }
}

/**
 * The weight of one interaction. A rating is centred on the user's own mean so far: a 4 from
 * someone who rates everything 5 says less than a 4 from someone who rates everything 2.
 */
export function interactionWeight(user: UserState, i: Interaction): number {
  if (i.kind !== 'rating') return KIND_WEIGHTS[i.kind]
  const rating = i.rating ?? 3
  const mean = user.ratingCount === 0 ? rating : user.ratingSum / user.ratingCount
  return Math.min(5, Math.max(0.25, 2 + (rating - mean)))
}

/** Records an interaction; returns the item's weight before it. */
export function recordInteraction(user: UserState, i: Interaction, weight: number): number {
  const before = user.weights.get(i.itemId) ?? 0
  user.weights.set(i.itemId, before + weight)
  const at = user.order.indexOf(i.itemId)
  if (at >= 0) user.order.splice(at, 1)
  user.order.push(i.itemId)
  if (user.order.length > MAX_HISTORY) user.order.shift()
  // In time order, not arrival order: a shopper's cart adds and views travel on different topics,
  // and a replica replaying them must see the same session.
  let slot = user.recent.length
  while (slot > 0 && (user.recent[slot - 1]?.at ?? 0) > i.at) slot--
  user.recent.splice(slot, 0, { itemId: i.itemId, kind: i.kind, weight, at: i.at })
  if (user.recent.length > SESSION_LENGTH) user.recent.shift()
  if (i.kind === 'purchase') user.purchased.add(i.itemId)
  const kind = user.kinds.get(i.itemId)
  if (!kind || KIND_RANK[i.kind] > KIND_RANK[kind]) user.kinds.set(i.itemId, i.kind)
  if (i.kind === 'rating' && i.rating !== undefined) {
    user.ratingSum += i.rating
    user.ratingCount++
  }
  return before
}
