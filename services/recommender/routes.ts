import { Hono } from 'hono'
import { z } from 'zod'
import { liveStream } from '../../shared/http/live.ts'
import { valid } from '../../shared/http/validate.ts'
import { type Assignment, chooseStrategy, type ExperimentRegistry } from './experiments/registry.ts'
import { STRATEGIES, type Strategy } from './models/types.ts'
import type { Recommender } from './recommender.ts'

const limit = (max: number, fallback: number) =>
  z.coerce
    .number({ error: `limit must be a whole number from 1 to ${max}` })
    .int(`limit must be a whole number from 1 to ${max}`)
    .min(1, `limit must be a whole number from 1 to ${max}`)
    .max(max, `limit must be a whole number from 1 to ${max}`)
    .default(fallback)

export const recommendationQuerySchema = z.strictObject({
  limit: limit(100, 10),
  strategy: z
    .enum(STRATEGIES, { error: `strategy must be one of ${STRATEGIES.join(', ')}` })
    .optional(),
})

export const alsoBoughtQuerySchema = z.strictObject({ limit: limit(50, 6) })

const userParam = z.object({ userId: z.string().trim().min(1).max(128) })
const productParam = z.object({ productId: z.string().trim().min(1).max(128) })

/**
 * Which experiment and variant chose the strategy (both null when none did). A client that reports
 * a click on one of these recommendations passes them back in `recommendation.clicked`'s metadata.
 */
function experimentOf(assignment: Assignment | null) {
  return { experimentId: assignment?.experimentId ?? null, variant: assignment?.variant ?? null }
}

export interface RecommenderRouteDeps {
  recommender: Recommender
  /** Shoppers who ask for no strategy get their variant's in the running experiment. */
  experiments: ExperimentRegistry | null
  defaultStrategy: Strategy
  /** Consumer status and lag of the recommender's groups, for the live metrics. */
  consumers: () => Promise<unknown>
}

/**
 * `GET /api/recommendations/:userId?limit=&strategy=` (the seed's contract), the live metrics, and
 * "customers also bought" for a product.
 */
export function recommenderRoutes(deps: RecommenderRouteDeps): Hono {
  const { recommender } = deps
  const app = new Hono()

  app.get('/api/recommendations/metrics/live', async (c) =>
    c.json({
      success: true,
      data: { ...recommender.liveMetrics(), consumers: await deps.consumers() },
    }),
  )

  app.get(
    '/api/recommendations/products/:productId/also-bought',
    valid('param', productParam),
    valid('query', alsoBoughtQuerySchema),
    (c) => {
      const { productId } = c.req.valid('param')
      const items = recommender.alsoBought(productId, c.req.valid('query').limit)
      return c.json({ success: true, data: items, metadata: { productId, count: items.length } })
    },
  )

  const request = [valid('param', userParam), valid('query', recommendationQuerySchema)] as const
  /**
   * Who asked, for how many, and with which strategy: the one named, else the shopper's variant's in
   * the running experiment (an exposure, reported), else the default.
   */
  const asked = (
    param: z.infer<typeof userParam>,
    query: z.infer<typeof recommendationQuerySchema>,
  ) => {
    const { userId } = param
    const { strategy, assignment } = chooseStrategy(
      deps.experiments,
      userId,
      query.strategy,
      deps.defaultStrategy,
    )
    if (assignment) deps.experiments?.exposed(userId, assignment)
    return { userId, strategy, assignment, limit: query.limit }
  }

  // For integrators: the same answer as JSON `data:` lines, again whenever it changes.
  app.get('/api/recommendations/:userId/stream', ...request, (c) => {
    const { userId, strategy, assignment, limit } = asked(
      c.req.valid('param'),
      c.req.valid('query'),
    )
    return liveStream(c, {
      subscribe: (changed) => recommender.watch(userId, changed),
      render: () => {
        const answer = recommender.recommend(userId, strategy, limit)
        return {
          version: `${answer.coldStart}|${answer.items.map((i) => `${i.productId}:${i.reason}`).join('|')}`,
          data: JSON.stringify({
            data: answer.items,
            metadata: {
              userId,
              strategy,
              ...experimentOf(assignment),
              generatedAt: answer.generatedAt,
              isStale: answer.isStale,
              count: answer.items.length,
              coldStart: answer.coldStart,
            },
          }),
        }
      },
    })
  })

  app.get('/api/recommendations/:userId', ...request, (c) => {
    const { userId, strategy, assignment, limit } = asked(
      c.req.valid('param'),
      c.req.valid('query'),
    )
    const answer = recommender.recommend(userId, strategy, limit)
    return c.json({
      success: true,
      data: answer.items,
      metadata: {
        userId,
        strategy,
        ...experimentOf(assignment),
        generatedAt: answer.generatedAt,
        isStale: answer.isStale,
        count: answer.items.length,
        // An unknown user (or one with no history yet) gets popular items, and is told so.
        coldStart: answer.coldStart,
        ...(answer.coldStart ? { fallback: 'popular' } : {}),
      },
    })
  })

  return app
}
