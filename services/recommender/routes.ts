import { Hono } from 'hono'
import { z } from 'zod'
import { liveStream } from '../../shared/http/live.ts'
import { valid } from '../../shared/http/validate.ts'
import { STRATEGIES } from './models/types.ts'
import type { RequestLog } from './request-log.ts'
import type { RecommendationServing, Served } from './serving.ts'

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

export interface RecommenderRouteDeps {
  serving: RecommendationServing
  requestLog: RequestLog | null
  /** Consumer status and lag of the recommender's groups, for the live metrics. */
  consumers: () => Promise<unknown>
}

/**
 * `GET /api/recommendations/:userId?limit=&strategy=` (the seed's contract), the live metrics, and
 * "customers also bought" for a product.
 */
export function recommenderRoutes(deps: RecommenderRouteDeps): Hono {
  const { serving } = deps
  const app = new Hono()

  app.get('/api/recommendations/metrics/live', async (c) => {
    const recommender = serving.recommender
    return c.json({
      success: true,
      data: {
        ...recommender.liveMetrics(),
        online: recommender.quality.snapshot(),
        requestLog: deps.requestLog?.stats() ?? null,
        consumers: await deps.consumers(),
      },
    })
  })

  app.get(
    '/api/recommendations/products/:productId/also-bought',
    valid('param', productParam),
    valid('query', alsoBoughtQuerySchema),
    (c) => {
      const { productId } = c.req.valid('param')
      const items = serving.recommender.alsoBought(productId, c.req.valid('query').limit)
      return c.json({ success: true, data: items, metadata: { productId, count: items.length } })
    },
  )

  const request = [valid('param', userParam), valid('query', recommendationQuerySchema)] as const
  // For integrators: the same answer as JSON `data:` lines, again whenever it changes.
  app.get('/api/recommendations/:userId/stream', ...request, (c) => {
    const { userId } = c.req.valid('param')
    const { strategy, limit } = c.req.valid('query')
    // The ask is logged once; re-renders because the models changed are not asks.
    let renders = 0
    return liveStream(c, {
      subscribe: (changed) => serving.recommender.watch(userId, changed),
      render: () => {
        const served = serving.serve({
          userId,
          strategy,
          limit,
          channel: 'stream',
          logged: renders++ === 0,
        })
        const { answer } = served
        return {
          version: `${answer.coldStart}|${answer.items.map((i) => `${i.productId}:${i.reason}`).join('|')}`,
          data: JSON.stringify({ data: answer.items, metadata: metadataOf(userId, served) }),
        }
      },
    })
  })

  app.get('/api/recommendations/:userId', ...request, (c) => {
    const { userId } = c.req.valid('param')
    const { strategy, limit } = c.req.valid('query')
    const served = serving.serve({ userId, strategy, limit, channel: 'api' })
    return c.json({
      success: true,
      data: served.answer.items,
      metadata: metadataOf(userId, served),
    })
  })

  return app
}

/**
 * What an answer says about itself. `experimentId` and `variant` name the experiment's variant that
 * chose the strategy (both null when none did): a client that reports a click on one of these
 * recommendations passes them back in `recommendation.clicked`'s data.
 */
function metadataOf(userId: string, { answer, assignment }: Served) {
  return {
    userId,
    strategy: answer.strategy,
    experimentId: assignment?.experimentId ?? null,
    variant: assignment?.variant ?? null,
    generatedAt: answer.generatedAt,
    isStale: answer.isStale,
    count: answer.items.length,
    // An unknown user (or one with no history yet) gets popular items, and is told so.
    coldStart: answer.coldStart,
    ...(answer.coldStart ? { fallback: 'popular' } : {}),
  }
}
