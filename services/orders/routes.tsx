import { zValidator } from '@hono/zod-validator'
import { type Context, Hono, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import type { Db } from '../../shared/db/client.ts'
import { AppError, ValidationError } from '../../shared/errors.ts'
import { getCart } from '../carts/carts.ts'
import { checkoutSchema, getOrder, listOrders, placeOrder } from './orders.ts'
import type { Order } from './schema.ts'
import { CheckoutPage, OrderPage, OrdersPage } from './views.tsx'

const keySchema = z.string().trim().min(8, 'Idempotency-Key must be 8 to 128 characters').max(128)

/** Pages and the JSON API need a signed-in shopper; guests are sent to log in and come back. */
const signedIn: MiddlewareHandler = async (c, next) => {
  if (c.get('visitor').user) return next()
  if (c.req.path.startsWith('/api/'))
    throw new AppError('Log in to place and see orders', { code: 'UNAUTHENTICATED', status: 401 })
  return c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`, 303)
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

function userId(c: Context): string {
  return c.get('visitor').user?.id ?? ''
}

/** Checkout, order pages, and `POST /api/orders` / `GET /api/orders/:id`. */
export function orderRoutes(deps: { db: Db; onEventsWritten: () => void }): Hono {
  const app = new Hono()
  const { db } = deps

  app.get('/checkout', signedIn, async (c) => {
    const cart = await getCart(db, userId(c))
    if (cart.lines.length === 0) return c.redirect('/cart', 303)
    return c.html(
      <CheckoutPage visitor={c.get('visitor')} cart={cart} idempotencyKey={Bun.randomUUIDv7()} />,
    )
  })

  app.post(
    '/checkout',
    signedIn,
    zValidator('form', checkoutSchema.extend({ idempotencyKey: keySchema }), async (result, c) => {
      if (result.success) return
      const body = await c.req.parseBody()
      const values = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, String(v)]))
      const errors = Object.fromEntries(
        result.error.issues.map((i) => [String(i.path[0]), i.message]),
      )
      const cart = await getCart(db, userId(c))
      return c.html(
        <CheckoutPage
          visitor={c.get('visitor')}
          cart={cart}
          idempotencyKey={values.idempotencyKey || Bun.randomUUIDv7()}
          values={values}
          errors={errors}
        />,
        400,
      )
    }),
    async (c) => {
      const { idempotencyKey, ...input } = c.req.valid('form')
      try {
        const { order, created } = await placeOrder(db, userId(c), idempotencyKey, input)
        if (created) deps.onEventsWritten()
        return c.redirect(`/orders/${order.id}`, 303)
      } catch (error) {
        if (!(error instanceof AppError) || error.status >= 500) throw error
        const cart = await getCart(db, userId(c))
        return c.html(
          <CheckoutPage
            visitor={c.get('visitor')}
            cart={cart}
            idempotencyKey={Bun.randomUUIDv7()}
            notice={error.message}
          />,
          error.status as 409,
        )
      }
    },
  )

  app.get('/orders', signedIn, async (c) =>
    c.html(<OrdersPage visitor={c.get('visitor')} orders={await listOrders(db, userId(c))} />),
  )
  app.get('/orders/:id', signedIn, async (c) =>
    c.html(
      <OrderPage
        visitor={c.get('visitor')}
        order={await getOrder(db, userId(c), c.req.param('id'))}
      />,
    ),
  )

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
      const key = keySchema.safeParse(c.req.header('idempotency-key') ?? '')
      if (!key.success)
        throw new ValidationError('Send an Idempotency-Key header', [
          { field: 'Idempotency-Key', message: key.error.issues[0]?.message ?? 'required' },
        ])
      const { order, created } = await placeOrder(db, userId(c), key.data, c.req.valid('json'))
      if (created) deps.onEventsWritten()
      return c.json({ orderId: order.id, status: order.status }, 202)
    },
  )

  app.get('/api/orders/:id', signedIn, async (c) =>
    c.json(orderJson(await getOrder(db, userId(c), c.req.param('id')))),
  )

  return app
}
