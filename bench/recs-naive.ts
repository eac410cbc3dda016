// The baseline of `bun run bench recs`: a recommender with no model at all. It keeps every event as
// it came and, for each answer, recomputes item-item co-occurrence from all of them: who engaged
// with what, which shoppers share items with this one, and what else those shoppers engaged with.
// Its routes have the shop's shape (the same JSON, the same live stream), so the load, the probes
// and the parsing are the same for both.
import { Hono } from 'hono'
import { z } from 'zod'
import { modelUpdate, type ProductFacts } from '../services/recommender/events.ts'
import { recommendationQuerySchema } from '../services/recommender/index.ts'
import type { Interaction } from '../services/recommender/models/types.ts'
import { KIND_WEIGHTS } from '../services/recommender/models/user-state.ts'
import { type RecommendedProduct, recommendedProduct } from '../services/recommender/recommender.ts'
import type { EventEnvelope } from '../shared/events/envelope.ts'
import { liveStream } from '../shared/http/live.ts'
import { valid } from '../shared/http/validate.ts'

const weightOf = (i: Interaction) => (i.kind === 'rating' ? (i.rating ?? 3) : KIND_WEIGHTS[i.kind])

export class NaiveRecommender {
  readonly #events: Interaction[] = []
  readonly #products = new Map<string, ProductFacts>()
  readonly #watchers = new Map<string, Set<() => void>>()

  constructor(products: ProductFacts[] = []) {
    for (const p of products) this.#products.set(p.productId, p)
  }

  get events(): number {
    return this.#events.length
  }

  /** Keeps the event if it is an interaction; tells whoever watches that shopper. */
  apply(envelope: EventEnvelope): boolean {
    const update = modelUpdate(envelope)
    if (update?.kind !== 'interaction') return false
    this.observe(update.interaction)
    return true
  }

  observe(interaction: Interaction): void {
    this.#events.push(interaction)
    for (const changed of this.#watchers.get(interaction.userId) ?? []) changed()
  }

  watch(userId: string, changed: () => void): () => void {
    let set = this.#watchers.get(userId)
    if (!set) {
      set = new Set()
      this.#watchers.set(userId, set)
    }
    set.add(changed)
    return () => set.delete(changed)
  }

  /**
   * The `limit` best item ids for a shopper, recomputed from every event: items of shoppers who
   * share items with this one, weighted by how much they share; popular items fill the rest.
   */
  rank(
    userId: string,
    limit: number,
    exclude: ReadonlySet<string> = new Set(),
  ): [string, number][] {
    const byUser = new Map<string, Map<string, number>>()
    const popularity = new Map<string, number>()
    for (const e of this.#events) {
      const w = weightOf(e)
      let items = byUser.get(e.userId)
      if (!items) {
        items = new Map()
        byUser.set(e.userId, items)
      }
      items.set(e.itemId, (items.get(e.itemId) ?? 0) + w)
      popularity.set(e.itemId, (popularity.get(e.itemId) ?? 0) + w)
    }
    const mine = byUser.get(userId) ?? new Map<string, number>()
    const skip = (id: string) => mine.has(id) || exclude.has(id)
    const scores = new Map<string, number>()
    for (const [other, items] of byUser) {
      if (other === userId) continue
      let shared = 0
      for (const [item, w] of mine) shared += Math.min(w, items.get(item) ?? 0)
      if (shared === 0) continue
      for (const [item, w] of items) {
        if (!skip(item)) scores.set(item, (scores.get(item) ?? 0) + shared * w)
      }
    }
    const best = top(scores, limit, skip)
    const taken = new Set(best.map(([id]) => id))
    return [...best, ...top(popularity, limit - best.length, (id) => skip(id) || taken.has(id))]
  }

  recommend(userId: string, limit: number): RecommendedProduct[] {
    return this.rank(userId, limit).flatMap(([id, score]) => {
      const p = this.#products.get(id)
      return p ? [recommendedProduct(p, score, 'shoppers like you engaged with it')] : []
    })
  }
}

function top(
  scores: Map<string, number>,
  k: number,
  skip: (id: string) => boolean,
): [string, number][] {
  if (k <= 0) return []
  return [...scores]
    .filter(([id, s]) => s > 0 && !skip(id))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, k)
}

const userParam = z.object({ userId: z.string().trim().min(1).max(128) })

/** `GET /api/recommendations/:userId` and its live stream, answered by the naive recommender. */
export function naiveRoutes(naive: NaiveRecommender): Hono {
  const app = new Hono()
  const request = [valid('param', userParam), valid('query', recommendationQuerySchema)] as const
  const metadata = (userId: string, count: number) => ({
    userId,
    strategy: 'naive',
    generatedAt: new Date().toISOString(),
    isStale: false,
    count,
  })

  app.get('/api/recommendations/:userId/stream', ...request, (c) => {
    const { userId } = c.req.valid('param')
    const { limit } = c.req.valid('query')
    return liveStream(c, {
      subscribe: (changed) => naive.watch(userId, changed),
      render: () => {
        const items = naive.recommend(userId, limit)
        return {
          version: items.map((i) => i.productId).join('|'),
          data: JSON.stringify({ data: items, metadata: metadata(userId, items.length) }),
        }
      },
    })
  })

  app.get('/api/recommendations/:userId', ...request, (c) => {
    const { userId } = c.req.valid('param')
    const items = naive.recommend(userId, c.req.valid('query').limit)
    return c.json({ success: true, data: items, metadata: metadata(userId, items.length) })
  })
  return app
}
