import { Hono, type MiddlewareHandler } from 'hono'
import type { Db } from '../../shared/db/client.ts'
import { jsonBody } from '../../shared/http/json-body.ts'
import { valid } from '../../shared/http/validate.ts'
import { promotionCreateSchema, promotionKeySchema, promotionUpdateSchema } from './inputs.ts'
import {
  createPromotion,
  getPromotion,
  listPromotions,
  updatePromotion,
} from './promotion-changes.ts'

export interface PromotionRouteDeps {
  db: Db
  /** Lets only admins through; the accounts context provides it. */
  requireAdmin: MiddlewareHandler
}

/**
 * The admin's JSON API for coupons: `GET|POST /api/admin/promotions` and
 * `GET|PATCH /api/admin/promotions/:code` (the code in any case), for admins only.
 */
export function promotionRoutes(deps: PromotionRouteDeps): Hono {
  const { db, requireAdmin } = deps
  const app = new Hono()
  // The role check comes first: a stranger learns nothing, not even which codes exist.
  app.use('/api/admin/promotions', requireAdmin)
  app.use('/api/admin/promotions/*', requireAdmin)

  app.get('/api/admin/promotions', async (c) => c.json({ data: await listPromotions(db) }))

  app.post('/api/admin/promotions', jsonBody, valid('json', promotionCreateSchema), async (c) => {
    const promotion = await createPromotion(db, c.req.valid('json'))
    c.header('Location', `/api/admin/promotions/${encodeURIComponent(promotion.code)}`)
    return c.json({ data: promotion }, 201)
  })

  app.get('/api/admin/promotions/:code', valid('param', promotionKeySchema), async (c) =>
    c.json({ data: await getPromotion(db, c.req.valid('param').code) }),
  )

  app.patch(
    '/api/admin/promotions/:code',
    valid('param', promotionKeySchema),
    jsonBody,
    valid('json', promotionUpdateSchema),
    async (c) => {
      const { code } = c.req.valid('param')
      return c.json({ data: await updatePromotion(db, code, c.req.valid('json')) })
    },
  )

  return app
}
