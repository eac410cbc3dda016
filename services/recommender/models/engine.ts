// The recommender's models behind one face: every interaction updates them all at once; a request
// names a strategy and gets items with reasons. State lives in memory and is rebuilt from the log.
import { ContentModel } from './content.ts'
import { EaseModel, type EaseOptions } from './ease.ts'
import { blend } from './hybrid.ts'
import { ItemItem } from './item-item.ts'
import { Popularity, type PopularityOptions } from './popularity.ts'
import { describeReason } from './reasons.ts'
import { sessionScores } from './session.ts'
import { type Scored, type Scores, scored, topK } from './top-k.ts'
import type {
  Interaction,
  ItemInfo,
  Recommendation,
  RecommendOptions,
  RecommendResult,
  Strategy,
  TrainReport,
} from './types.ts'
import { interactionWeight, newUserState, recordInteraction, type UserState } from './user-state.ts'

export type EngineOptions = PopularityOptions &
  EaseOptions & {
    /**
     * Shoppers whose history is kept, the least recently active forgotten first (they become cold
     * starts; what they taught the item statistics stays). Bounds memory on a long log.
     */
    maxUsers?: number
  }

const MAX_USERS = 200_000

type Component = Exclude<Strategy, 'hybrid'>

export class RecommenderEngine {
  readonly #opts: EngineOptions
  readonly #users = new Map<string, UserState>()
  readonly #categoriesTouched = new Map<string, Set<string>>()
  readonly #popularity: Popularity
  readonly #itemItem = new ItemItem()
  readonly #content = new ContentModel()
  #ease: EaseModel | null = null
  #lastTrain: TrainReport | null = null
  #latest = 0
  #interactions = 0
  /** Catalogue removals so far: a removed item leaves the popularity snapshot at once. */
  #removals = 0
  /**
   * Decayed popularity as last computed. Every item decays at the same rate, so until the next
   * interaction the order and each item's share of the top stay the same: it is reused (within a
   * second, so the figures stay close to the clock too).
   */
  #popularSnapshot: {
    at: number
    interactions: number
    removals: number
    values: Map<string, number>
    /** The same as scores, made when first needed (read-only: shared by every answer). */
    scores?: Scores
  } | null = null
  readonly #timings: Record<Strategy, number> = {
    popular: 0,
    trending: 0,
    'item-item': 0,
    content: 0,
    session: 0,
    ease: 0,
    hybrid: 0,
  }

  constructor(opts: EngineOptions = {}) {
    this.#opts = opts
    this.#popularity = new Popularity(opts)
  }

  upsertItem(info: ItemInfo): void {
    this.#content.upsert(info)
  }

  /** A deleted product: never recommended again, and its statistics go. */
  removeItem(itemId: string): void {
    this.#content.remove(itemId)
    this.#popularity.remove(itemId)
    this.#removals++
    this.#itemItem.remove(itemId)
  }

  item(itemId: string): ItemInfo | undefined {
    return this.#content.info(itemId)
  }

  /** A category the user looked at without touching an item (a listing): cold start uses it. */
  touchCategory(userId: string, category: string): void {
    let set = this.#categoriesTouched.get(userId)
    if (!set) {
      set = new Set()
      this.#categoriesTouched.set(userId, set)
    }
    set.add(category)
  }

  observe(i: Interaction): void {
    let user = this.#users.get(i.userId)
    if (user) {
      // Most recently active last: the first key is the one to forget.
      this.#users.delete(i.userId)
      this.#users.set(i.userId, user)
    } else {
      user = newUserState()
      this.#users.set(i.userId, user)
      if (this.#users.size > (this.#opts.maxUsers ?? MAX_USERS)) {
        const oldest = this.#users.keys().next().value as string
        this.#users.delete(oldest)
        this.#categoriesTouched.delete(oldest)
      }
    }
    const weight = interactionWeight(user, i)
    const before = recordInteraction(user, i, weight)
    this.#latest = Math.max(this.#latest, i.at)
    this.#interactions++
    let t = performance.now()
    this.#popularity.observe(i.itemId, weight, i.at)
    t = this.#time(['popular', 'trending'], t)
    this.#itemItem.observe(user, i.itemId, before, weight)
    this.#time(['item-item', 'session'], t)
  }

  #time(strategies: Strategy[], since: number): number {
    const now = performance.now()
    for (const s of strategies) this.#timings[s] += (now - since) / strategies.length
    return now
  }

  /** The users' item sets, as the matrix model trains on them (also sent to a training thread). */
  trainingSet(): string[][] {
    return [...this.#users.values()].map((u) => [...u.weights.keys()])
  }

  /** Trains the matrix model here, now (the service does it on a worker and calls `useEase`). */
  train(): TrainReport {
    const { model, report } = EaseModel.fit(this.trainingSet(), this.#opts)
    this.useEase(model, report)
    return report
  }

  /** Swaps in a trained matrix model: requests use the old one until this returns, then the new. */
  useEase(model: EaseModel, report: TrainReport): void {
    this.#ease = model
    this.#lastTrain = report
    this.#timings.ease += report.ms
  }

  timings(): Record<Strategy, number> {
    return { ...this.#timings, hybrid: Object.values(this.#timings).reduce((a, b) => a + b, 0) }
  }

  stats() {
    return {
      users: this.#users.size,
      items: this.#content.items,
      interactions: this.#interactions,
      pairs: this.#itemItem.pairs,
      lastTrain: this.#lastTrain,
    }
  }

  /** What the user has bought: never recommended to them. */
  purchased(userId: string): ReadonlySet<string> {
    return this.#users.get(userId)?.purchased ?? new Set()
  }

  recommend(userId: string, opts: RecommendOptions): RecommendResult {
    const now = opts.now ?? this.#latest
    const user = this.#users.get(userId)
    // What the user bought, or already engaged with, is not news to them.
    const excluded = (id: string) =>
      (opts.exclude?.has(id) ?? false) || (user?.weights.has(id) ?? false)
    const popular = this.#popularNow(now)
    const personal = user !== undefined && user.weights.size > 0
    const global = opts.strategy === 'popular' || opts.strategy === 'trending'
    const scores =
      personal || global
        ? this.#scores(opts.strategy, userId, user ?? newUserState(), now, popular)
        : null
    const picked = scores ? topK(scores, opts.limit, excluded) : []
    const items: Recommendation[] = picked.map(([itemId, s]) =>
      this.#recommendation(itemId, s, opts.strategy, user),
    )
    if (items.length < opts.limit) {
      const chosen = new Set(items.map((r) => r.itemId))
      for (const r of this.#popularFallback(
        userId,
        popular,
        opts.limit - items.length,
        (id) => chosen.has(id) || excluded(id),
      ))
        items.push(r)
    }
    return { items, coldStart: !personal }
  }

  #popularNow(now: number): Map<string, number> {
    const kept = this.#popularSnapshot
    const fresh =
      kept !== null &&
      kept.interactions === this.#interactions &&
      kept.removals === this.#removals &&
      now >= kept.at &&
      now - kept.at < 1000
    if (fresh) return kept.values
    const values = this.#popularity.scores(now)
    this.#popularSnapshot = {
      at: now,
      interactions: this.#interactions,
      removals: this.#removals,
      values,
    }
    return values
  }

  #popularScores(popular: Map<string, number>): Scores {
    const kept = this.#popularSnapshot
    if (kept?.values !== popular) return asScores(popular)
    kept.scores ??= asScores(popular)
    return kept.scores
  }

  /** Items most often engaged with together with this one ("customers also bought"). */
  alsoBought(
    itemId: string,
    limit: number,
    exclude: ReadonlySet<string> = new Set(),
  ): Recommendation[] {
    const scores: Scores = new Map()
    for (const [other, sim] of this.#itemItem.neighbours(itemId)) {
      if (this.#content.info(other) || this.#content.items === 0)
        scores.set(other, scored(sim, itemId))
    }
    return topK(scores, limit, (id) => id === itemId || exclude.has(id)).map(([id, s]) => ({
      itemId: id,
      score: s.score,
      reason: `often bought with ${this.#name(itemId)}`,
      strategy: 'item-item',
    }))
  }

  #scores(
    strategy: Strategy,
    userId: string,
    user: UserState,
    now: number,
    popular: Map<string, number>,
  ): Scores {
    if (strategy === 'hybrid') {
      const parts = new Map<Component, Scores>()
      for (const c of ['item-item', 'session', 'content', 'ease', 'popular'] as Component[]) {
        if (c === 'ease' && !this.#ease) continue
        parts.set(c, this.#scores(c, userId, user, now, popular))
      }
      return blend(parts)
    }
    switch (strategy) {
      case 'popular':
        return this.#popularScores(popular)
      case 'trending':
        return asScores(this.#popularity.trending(now))
      case 'item-item':
        return this.#itemItem.score(user.weights)
      case 'session':
        return sessionScores(user, this.#itemItem)
      case 'content': {
        let max = 0
        for (const v of popular.values()) max = Math.max(max, v)
        return this.#content.score(user.weights, (id) => popular.get(id) ?? 0, max)
      }
      case 'ease':
        return this.#ease
          ? this.#ease.score(user.weights.keys())
          : this.#itemItem.score(user.weights)
    }
  }

  #popularFallback(
    userId: string,
    popular: Map<string, number>,
    limit: number,
    excluded: (id: string) => boolean,
  ): Recommendation[] {
    const weights = this.#users.get(userId)?.weights ?? new Map<string, number>()
    const touched = new Set([
      ...this.#content.topCategories(weights),
      ...(this.#categoriesTouched.get(userId) ?? []),
    ])
    const inTouched = (id: string) => {
      const category = this.#content.info(id)?.category
      return category !== undefined && touched.has(category)
    }
    const first =
      touched.size > 0
        ? topK(this.#popularScores(popular), limit, (id) => excluded(id) || !inTouched(id))
        : []
    const taken = new Set(first.map(([id]) => id))
    const rest = topK(
      this.#popularScores(popular),
      limit - first.length,
      (id) => excluded(id) || taken.has(id),
    )
    return [...first, ...rest].map(([itemId, s]) => ({
      itemId,
      score: s.score,
      reason: this.#popularReason(itemId),
      strategy: 'popular',
    }))
  }

  #recommendation(itemId: string, s: Scored, strategy: Strategy, user?: UserState): Recommendation {
    const reason = describeReason({
      strategy: s.component ?? strategy,
      because: s.because,
      kind: s.because ? user?.kinds.get(s.because) : undefined,
      name: (id) => this.#name(id),
      popular: () => this.#popularReason(itemId),
    })
    return { itemId, score: s.score, reason, strategy }
  }

  #popularReason(itemId: string): string {
    const info = this.#content.info(itemId)
    const category = info?.categoryName ?? info?.category
    return category ? `popular in ${category}` : 'popular right now'
  }

  #name(itemId: string): string {
    if (itemId.startsWith('category=')) {
      const id = itemId.slice('category='.length)
      return this.#categoryName(id) ?? id
    }
    if (itemId.includes('=')) return itemId.slice(itemId.indexOf('=') + 1)
    return this.#content.info(itemId)?.name ?? itemId
  }

  #categoryName(categoryId: string): string | undefined {
    // Any item of the category knows its display name.
    return this.#content.categoryName(categoryId)
  }
}

function asScores(values: Map<string, number>): Scores {
  const scores: Scores = new Map()
  for (const [id, score] of values) scores.set(id, scored(score))
  return scores
}
