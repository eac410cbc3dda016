// The recommender as the rest of the shop sees it: events in (from the log), recommendations out,
// with the product facts an answer carries and the live figures the metrics endpoint reports.
import type { EventEnvelope } from '../../shared/events/envelope.ts'
import { type ModelUpdate, modelUpdate, type ProductFacts } from './events.ts'
import type { EaseModel } from './models/ease.ts'
import { type EngineOptions, RecommenderEngine } from './models/engine.ts'
import type { Recommendation, Strategy, TrainReport } from './models/types.ts'
import { OnlineQuality } from './online-quality.ts'

/** One recommended product as the API returns it (DESIGN's contract, plus the reason). */
export interface RecommendedProduct {
  productId: string
  name: string
  category: string
  price: number
  currency: string
  score: number
  reason: string
}

export interface RecommendationAnswer {
  items: RecommendedProduct[]
  strategy: Strategy
  coldStart: boolean
  generatedAt: string
  /** The models are still catching up with the log: the answer may miss recent events. */
  isStale: boolean
}

/**
 * How often at most others' events reach an answer: every open stream re-renders and the answers
 * kept for reuse are dropped, this long after the first event since the last time.
 */
const EVERYONE_EVERY_MS = 1000

/** Shoppers whose answers are kept for reuse, at most; the earliest kept go first. */
const CACHED_SHOPPERS = 50_000

/**
 * A kept answer is recomputed once the models have learned this share more than when it was
 * computed, even within the second: on a young or small shop every event counts.
 */
const REUSE_WHILE_GROWTH_UNDER = 0.01

/** Events per second over the last minute, in one-second buckets. */
class RateMeter {
  readonly #buckets = new Map<number, number>()

  mark(now = Date.now()): void {
    const second = Math.floor(now / 1000)
    this.#buckets.set(second, (this.#buckets.get(second) ?? 0) + 1)
    for (const s of this.#buckets.keys()) if (s < second - 60) this.#buckets.delete(s)
  }

  perSecond(windowS = 10, now = Date.now()): number {
    const second = Math.floor(now / 1000)
    let n = 0
    for (let s = second - windowS; s < second; s++) n += this.#buckets.get(s) ?? 0
    return n / windowS
  }
}

export class Recommender {
  readonly #options: EngineOptions
  #engine: RecommenderEngine
  #products = new Map<string, ProductFacts>()
  readonly #rate = new RateMeter()
  #categoryNames = new Map<string, string>()
  #applied = 0
  #skipped = 0
  #processingMs = 0
  #caughtUp = false
  #lastTrain: TrainReport | null = null
  #everyoneTimer: ReturnType<typeof setTimeout> | null = null
  /** Who is watching whose recommendations (open SSE streams), per user. */
  readonly #watchers = new Map<string, Set<() => void>>()
  /**
   * Answers kept for reuse, per shopper and `${strategy}\0${limit}`, with how many events the models
   * had learned then: dropped for a shopper at their own next event, for everyone on a catalogue
   * change or a new matrix model at once, and within a second of others' events, or sooner once
   * the models have grown by 1% (others' events change what goes with what, but not by much).
   */
  readonly #answers = new Map<
    string,
    Map<string, { answer: RecommendationAnswer; learned: number }>
  >()
  /** What came of the recommendations shown to shoppers (kept across a replay's swap). */
  readonly quality = new OnlineQuality()

  constructor(opts: EngineOptions = {}) {
    this.#options = opts
    this.#engine = new RecommenderEngine(opts)
  }

  /** The models requests are answered from (a replay swaps in new ones: read it each time). */
  get engine(): RecommenderEngine {
    return this.#engine
  }

  /**
   * An empty recommender for a replay to rebuild into: the same options, category names and
   * product facts, and nothing learned from behaviour. The catalog is state, not behaviour: a
   * replay from after the products were created must not leave nothing to show.
   */
  catalogCopy(): Recommender {
    const copy = new Recommender(this.#options)
    copy.#categoryNames = this.#categoryNames
    for (const p of this.#products.values()) {
      copy.#products.set(p.productId, p)
      copy.#upsertItem(p)
    }
    return copy
  }

  /**
   * Takes a rebuilt recommender's models and product facts in one step (a replay's swap): every
   * answer from now on comes from them, and every open stream re-renders. The rebuilt one must
   * not be used afterwards.
   */
  adopt(rebuilt: Recommender): void {
    this.#engine = rebuilt.#engine
    this.#products = rebuilt.#products
    this.#applied = rebuilt.#applied
    this.#skipped = rebuilt.#skipped
    this.#processingMs = rebuilt.#processingMs
    this.#caughtUp = rebuilt.#caughtUp
    this.#lastTrain = rebuilt.#lastTrain
    this.#answers.clear()
    this.#notify(null)
  }

  /** Names for category ids, shown in reasons ("popular in Outdoor"). */
  setCategoryNames(names: Map<string, string>): void {
    this.#categoryNames = names
    for (const p of this.#products.values()) this.#upsertItem(p)
    this.#answers.clear()
  }

  /** Applies one event from the log; returns whether it taught the models anything. */
  apply(event: EventEnvelope): boolean {
    const started = performance.now()
    const update = modelUpdate(event)
    if (update) this.#applyUpdate(update)
    else this.#skipped++
    this.#processingMs += performance.now() - started
    if (update) {
      this.#applied++
      this.#rate.mark()
    }
    return update !== null
  }

  /**
   * Calls `changed` whenever something that may change this user's recommendations was applied:
   * their own events at once, a product appearing or going, and others' events (what goes with
   * what) at most once a second. Returns how to stop.
   */
  watch(userId: string, changed: () => void): () => void {
    let set = this.#watchers.get(userId)
    if (!set) {
      set = new Set()
      this.#watchers.set(userId, set)
    }
    set.add(changed)
    return () => {
      set.delete(changed)
      if (set.size === 0 && this.#watchers.get(userId) === set) this.#watchers.delete(userId)
    }
  }

  /**
   * Others' events change a shopper's recommendations too (what goes with what): every watcher
   * re-renders at most this often after any event, and a stream sends only what changed.
   */
  #scheduleEveryone(): void {
    if (this.#everyoneTimer) return
    this.#everyoneTimer = setTimeout(() => {
      this.#everyoneTimer = null
      this.#answers.clear()
      this.#notify(null)
    }, EVERYONE_EVERY_MS)
    this.#everyoneTimer.unref?.()
  }

  #notify(userId: string | null): void {
    if (this.#watchers.size === 0) return
    const sets = userId === null ? [...this.#watchers.values()] : [this.#watchers.get(userId)]
    for (const set of sets) for (const changed of set ?? []) changed()
  }

  #applyUpdate(update: ModelUpdate): void {
    switch (update.kind) {
      case 'interaction': {
        const { userId, itemId, kind, at } = update.interaction
        this.quality.interacted(userId, itemId, kind, at)
        this.engine.observe(update.interaction)
        this.#answers.delete(userId)
        this.#notify(update.interaction.userId)
        this.#scheduleEveryone()
        return
      }
      case 'product':
        this.#products.set(update.product.productId, update.product)
        this.#upsertItem(update.product)
        this.#answers.clear()
        this.#notify(null)
        return
      case 'product-changes': {
        const known = this.#products.get(update.productId)
        if (!known) return
        const changed = { ...known, ...factsOf(update.changes) }
        this.#products.set(update.productId, changed)
        this.#upsertItem(changed)
        this.#answers.clear()
        return
      }
      case 'product-deleted':
        this.#products.delete(update.productId)
        this.engine.removeItem(update.productId)
        this.#answers.clear()
        this.#notify(null)
        return
      case 'category-browsed':
        this.engine.touchCategory(update.userId, update.categoryId)
        this.#answers.delete(update.userId)
        this.#notify(update.userId)
    }
  }

  #upsertItem(p: ProductFacts): void {
    this.engine.upsertItem({
      id: p.productId,
      name: p.name,
      category: p.categoryId,
      categoryName: this.#categoryNames.get(p.categoryId),
      attributes: p.attributes,
    })
  }

  /** The follower read everything that was on the log when it started. */
  markCaughtUp(): void {
    this.#caughtUp = true
  }

  get caughtUp(): boolean {
    return this.#caughtUp
  }

  /**
   * The shopper's recommendations: reused while nothing that changes them has been applied (see
   * `#answers`), computed otherwise. Trending moves with the clock alone, so it is always computed.
   */
  recommend(userId: string, strategy: Strategy, limit: number): RecommendationAnswer {
    const key = `${strategy}\0${limit}`
    const learned = this.#applied
    const entry = strategy === 'trending' ? undefined : this.#answers.get(userId)?.get(key)
    if (entry && learned - entry.learned <= entry.learned * REUSE_WHILE_GROWTH_UNDER) {
      const kept = entry.answer
      return kept.isStale === !this.#caughtUp ? kept : { ...kept, isStale: !this.#caughtUp }
    }
    const result = this.engine.recommend(userId, { strategy, limit, now: Date.now() })
    const answer: RecommendationAnswer = {
      items: this.#known(result.items),
      strategy,
      coldStart: result.coldStart,
      generatedAt: new Date().toISOString(),
      isStale: !this.#caughtUp,
    }
    if (strategy !== 'trending') this.#keep(userId, key, { answer, learned })
    return answer
  }

  #keep(userId: string, key: string, entry: { answer: RecommendationAnswer; learned: number }) {
    let mine = this.#answers.get(userId)
    if (!mine) {
      if (this.#answers.size >= CACHED_SHOPPERS) {
        const earliest = this.#answers.keys().next().value
        if (earliest !== undefined) this.#answers.delete(earliest)
      }
      mine = new Map()
      this.#answers.set(userId, mine)
    }
    mine.set(key, entry)
  }

  /** "Customers also bought": products engaged with together with this one. */
  alsoBought(productId: string, limit: number, exclude: ReadonlySet<string> = new Set()) {
    return this.#known(this.engine.alsoBought(productId, limit, exclude))
  }

  /** Only products the catalog still has: a deleted one is never shown. */
  #known(items: Recommendation[]): RecommendedProduct[] {
    return items.flatMap((r) => {
      const p = this.#products.get(r.itemId)
      return p ? [recommendedProduct(p, r.score, r.reason)] : []
    })
  }

  useTrained(model: EaseModel, report: TrainReport): void {
    this.engine.useEase(model, report)
    this.#answers.clear()
    this.#lastTrain = report
  }

  /** What `GET /api/recommendations/metrics/live` reports of the models. */
  liveMetrics() {
    const stats = this.engine.stats()
    return {
      eventsPerSecond: this.#rate.perSecond(),
      eventsApplied: this.#applied,
      eventsSkipped: this.#skipped,
      avgProcessingMs: this.#applied > 0 ? this.#processingMs / (this.#applied + this.#skipped) : 0,
      caughtUp: this.#caughtUp,
      users: stats.users,
      products: this.#products.size,
      interactions: stats.interactions,
      itemPairs: stats.pairs,
      training: this.#lastTrain,
      watchers: [...this.#watchers.values()].reduce((n, set) => n + set.size, 0),
    }
  }
}

/** A product as an answer shows it (DESIGN's contract, plus the reason). */
export function recommendedProduct(
  p: ProductFacts,
  score: number,
  reason: string,
): RecommendedProduct {
  return {
    productId: p.productId,
    name: p.name,
    category: p.categoryId,
    price: p.priceMinor / 100,
    currency: p.currency,
    score: Math.round(score * 1e4) / 1e4,
    reason,
  }
}

const FACTS = ['name', 'categoryId', 'priceMinor', 'currency', 'attributes'] as const

/** The facts among a product's changed fields (an update carries only what changed). */
function factsOf(changes: Partial<ProductFacts>): Partial<ProductFacts> {
  const facts: Partial<Record<(typeof FACTS)[number], unknown>> = {}
  for (const key of FACTS) if (changes[key] !== undefined) facts[key] = changes[key]
  return facts as Partial<ProductFacts>
}
