import { zValidator } from '@hono/zod-validator'
import { Hono, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import type { Db } from '../../shared/db/client.ts'
import { AppError, ValidationError } from '../../shared/errors.ts'
import { liveStream } from '../../shared/http/live.ts'
import type { VisitorEnv } from '../accounts/index.ts'
import { getOrder, orderRequestSchema, placeOrder } from './orders.ts'
import type { SagaSettings } from './saga.ts'
import { followOrder, sagaOf } from './saga-store.ts'
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

/**
 * An order as the JSON API shows it: its status, why it was cancelled, what its coupon took off the
 * subtotal, and the saga's history.
 */
export async function orderView(db: Db, order: Order) {
  const { saga, steps } = await sagaOf(db, order.id)
  return {
    orderId: order.id,
    correlationId: order.correlationId,
    status: saga?.status ?? order.status,
    ...(saga?.reason ? { reason: saga.reason, message: saga.message } : {}),
    items: order.items,
    subtotalMinor: order.totalMinor + order.discountMinor,
    ...(order.couponCode ? { couponCode: order.couponCode } : {}),
    discountMinor: order.discountMinor,
    totalMinor: order.totalMinor,
    currency: order.currency,
    createdAt: new Date(order.createdAt).toISOString(),
    ...(saga?.finishedAt ? { finishedAt: new Date(saga.finishedAt).toISOString() } : {}),
    history: steps.map((s) => ({
      step: s.step,
      outcome: s.outcome,
      ...(s.detail ? { detail: s.detail } : {}),
      at: new Date(s.at).toISOString(),
    })),
  }
}

/**
 * The orders' JSON API for the signed-in shopper: `POST /api/orders` (Idempotency-Key required),
 * `GET /api/orders/:id` and `GET /api/orders/:id/stream`. Mount it behind `identify`.
 */
export function orderRoutes(deps: { db: Db; saga: SagaSettings }): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
  const { db } = deps

  app.post(
    '/api/orders',
    signedIn,
    zValidator('json', orderRequestSchema, (result) => {
      if (!result.success) {
        throw new ValidationError(
          'The order is invalid',
          result.error.issues.map((i) => ({ field: fieldOf(i.path), message: i.message })),
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
      const { order } = await placeOrder(db, userId, key.data, c.req.valid('json'), deps.saga)
      return c.json({ orderId: order.id, status: order.status }, 202)
    },
  )

  app.get('/api/orders/:id', signedIn, async (c) => {
    const order = await getOrder(db, c.get('visitor').user?.id ?? '', c.req.param('id'))
    return c.json(await orderView(db, order))
  })

  app.get('/api/orders/:id/stream', signedIn, async (c) => {
    const order = await getOrder(db, c.get('visitor').user?.id ?? '', c.req.param('id'))
    return liveStream(c, {
      subscribe: (changed) => followOrder(order.id, changed),
      render: async () => {
        const view = await orderView(db, order)
        return { version: `${view.status}|${view.history.length}`, data: JSON.stringify(view) }
      },
    })
  })

  return app
}

/** `items[2].quantity` rather than `items.2.quantity`. */
function fieldOf(path: PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`))
    .join('')
}
