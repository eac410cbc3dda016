// The recommender's vocabulary: what the models learn from and what they answer with. Nothing here
// knows of Kafka, HTTP or SQL; the consumers and routes translate events and requests into it.

/** What a shopper did with an item, as the models weigh it (view < click < cart < purchase). */
export type InteractionKind =
  | 'view'
  | 'click'
  | 'recommendation_click'
  | 'cart'
  | 'purchase'
  | 'rating'

/** One thing a user did with one item, at a time (epoch ms). */
export interface Interaction {
  userId: string
  itemId: string
  kind: InteractionKind
  /** 1..5, for `rating` only. */
  rating?: number
  at: number
}

/** What the content model knows of an item: its category and attributes. */
export interface ItemInfo {
  id: string
  name: string
  category?: string
  /** Shown in reasons ("popular in Outdoor"); the category id when absent. */
  categoryName?: string
  attributes?: Record<string, string>
}

/** The strategies a request may ask for; `popular` is the baseline every other one must beat. */
export const STRATEGIES = [
  'popular',
  'trending',
  'item-item',
  'content',
  'session',
  'ease',
  'hybrid',
] as const

export type Strategy = (typeof STRATEGIES)[number]

export function isStrategy(name: string): name is Strategy {
  return (STRATEGIES as readonly string[]).includes(name)
}

/** One recommended item, with the reason a shopper is shown for it. */
export interface Recommendation {
  itemId: string
  score: number
  /** Short and in words a shopper understands: "because you viewed Quill Signature Tent". */
  reason: string
  strategy: Strategy
}

export interface RecommendOptions {
  strategy: Strategy
  limit: number
  /** Items never to recommend (the eval excludes what the user saw in training). */
  exclude?: ReadonlySet<string>
  /** The clock for decayed scores; defaults to the latest interaction seen. */
  now?: number
}

export interface RecommendResult {
  items: Recommendation[]
  /** The user has no history the strategy can use: these are popular items (in their categories). */
  coldStart: boolean
}

/** What one background training run of the matrix model produced. */
export interface TrainReport {
  model: 'ease'
  ms: number
  users: number
  items: number
  interactions: number
  /** Bytes held by the trained weights. */
  bytes: number
  /** The regularisation it was trained with (chosen on the data unless configured). */
  lambda: number
}
