import { zValidator } from '@hono/zod-validator'
import { type Context, Hono } from 'hono'
import type { VisitorEnv } from '../../services/accounts/index.ts'
import { getCart } from '../../services/carts/index.ts'
import {
  checkoutSchema,
  getOrder,
  idempotencyKeySchema,
  listOrders,
  OrdersBusyError,
  orderView,
  placeOrder,
  type SagaSettings,
} from '../../services/orders/index.ts'
import type { Db } from '../../shared/db/client.ts'
import { AppError, ValidationError } from '../../shared/errors.ts'
import { CheckoutPage, OrderPage, OrdersPage } from './orders-views.tsx'
import { signedIn } from './signed-in.ts'

function userId(c: Context<VisitorEnv>): string {
  return c.get('visitor').user?.id ?? ''
}

/** Checkout, the order history and the order page, for the signed-in shopper. */
export function orderPages(deps: { db: Db; saga: SagaSettings }): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
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
    zValidator(
      'form',
      checkoutSchema.extend({ idempotencyKey: idempotencyKeySchema }),
      // zValidator types a hook's context without the app's env, hence the plain `Context`.
      async (result, c: Context) => {
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
      },
    ),
    async (c) => {
      const { idempotencyKey, ...input } = c.req.valid('form')
      try {
        const { order } = await placeOrder(db, userId(c), idempotencyKey, input, deps.saga)
        return c.redirect(`/orders/${order.id}`, 303)
      } catch (error) {
        // A busy shop is a message on the form (send it again shortly), not an error page.
        const busy = error instanceof OrdersBusyError
        if (!(error instanceof AppError) || (error.status >= 500 && !busy)) throw error
        const cart = await getCart(db, userId(c))
        // What the shopper typed, but the card's number and code, to fill the form in again.
        const { cardNumber: _number, cvc: _cvc, ...kept } = input
        const values = Object.fromEntries(
          Object.entries(kept).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])),
        )
        // A refused field (a coupon that expired, say) is shown next to it, the form kept filled in.
        if (error instanceof ValidationError && error.errors.length > 0) {
          return c.html(
            <CheckoutPage
              visitor={c.get('visitor')}
              cart={cart}
              idempotencyKey={idempotencyKey}
              values={values}
              errors={Object.fromEntries(error.errors.map((e) => [e.field, e.message]))}
            />,
            400,
          )
        }
        if (error.retryAfterSeconds !== undefined)
          c.header('retry-after', String(error.retryAfterSeconds))
        return c.html(
          <CheckoutPage
            visitor={c.get('visitor')}
            cart={cart}
            // Sent again, a refused busy order is the same order; another refusal starts afresh.
            idempotencyKey={busy ? idempotencyKey : Bun.randomUUIDv7()}
            values={busy ? values : undefined}
            notice={error.message}
          />,
          error.status as 409 | 503,
        )
      }
    },
  )

  app.get('/orders', signedIn, async (c) =>
    c.html(<OrdersPage visitor={c.get('visitor')} orders={await listOrders(db, userId(c))} />),
  )
  app.get('/orders/:id', signedIn, async (c) => {
    const order = await getOrder(db, userId(c), c.req.param('id'))
    return c.html(
      <OrderPage visitor={c.get('visitor')} order={order} view={await orderView(db, order)} />,
    )
  })

  return app
}
