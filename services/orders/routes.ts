import { zValidator } from '@hono/zod-validator'
import { Hono, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import type { Db } from '../../shared/db/client.ts'
import { AppError, ValidationError } from '../../shared/errors.ts'
import type { VisitorEnv } from '../accounts/index.ts'
import { checkoutSchema, getOrder, placeOrder } from './orders.ts'
import type { Order } from './schema.ts'

/** An order's idempotency key: the `Idempotency-Key` header here, a hidden field at checkout. */
export const idempotencyKeySchema = z
  .string()
  .trim()
  .min(8, 'Idempotency-Key must be 8 to 128 characters')
  .max(128)

const signedIn: MiddlewareHandler<VisitorEnv> = async (c, next) => {
  if (c.get('visitor').user) return next()
  throw new AppError('Log in to place and see orders', { code: 'UNAUTHENTICATED', status: 401 })
}

export function orderJson(order: Order) {
  return {
    orderId: order.id,
    status: order.status,
    items: order.items,
    totalMinor: order.totalMinor,
    currency: order.currency,
    createdAt: new Date(order.createdAt).toISOString(),
    // The saga's step history arrives with the saga; until then an order has one step.
    history: [{ step: order.status, at: new Date(order.createdAt).toISOString() }],
  }
}

/**
 * The orders' JSON API: `POST /api/orders` and `GET /api/orders/:id`, for the signed-in shopper.
 * Mount it behind `identify` (see `VisitorEnv`).
 */
export function orderRoutes(deps: { db: Db }): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
  const { db } = deps

  app.post(
    '/api/orders',
    signedIn,
    zValidator('json', checkoutSchema, (result) => {
      if (!result.success) {
        throw new ValidationError(
          'The order is invalid',
          result.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
        )
      }
    }),
    async (c) => {
      const key = idempotencyKeySchema.safeParse(c.req.header('idempotency-key') ?? '')
      if (!key.success)
        throw new ValidationError('Send an Idempotency-Key header', [
          { field: 'Idempotency-Key', message: key.error.issues[0]?.message ?? 'required' },
        ])
      const userId = c.get('visitor').user?.id ?? ''
      const { order } = await placeOrder(db, userId, key.data, c.req.valid('json'))
      return c.json({ orderId: order.id, status: order.status }, 202)
    },
  )

  app.get('/api/orders/:id', signedIn, async (c) =>
    c.json(orderJson(await getOrder(db, c.get('visitor').user?.id ?? '', c.req.param('id')))),
  )

  return app
}
