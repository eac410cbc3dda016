import { type Context, Hono } from 'hono'
import type { VisitorEnv } from '../../services/accounts/index.ts'
import {
  addToCart,
  cartCount,
  getCart,
  removeFromCart,
  setQuantity,
} from '../../services/carts/index.ts'
import { AppError } from '../../shared/errors.ts'
import { AddedToCart, CartChange, CartPage } from './carts-views.tsx'
import { type RecommendedDeps, recommendedFor } from './recommended.ts'

const isHtmx = (c: Context) => c.req.header('hx-request') === 'true'

async function formField(c: Context, name: string): Promise<string | undefined> {
  const body = await c.req.parseBody()
  const value = body[name]
  return typeof value === 'string' ? value : undefined
}

/**
 * The cart page and its changes. Every change is a plain form post that works without
 * JavaScript (redirect back to the cart); with htmx the answer is the changed line plus the header
 * count and total, out of band. A bad quantity changes nothing and shows the error on its line.
 */
export function cartPages(deps: RecommendedDeps): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
  const { db } = deps

  app.get('/cart', async (c) => {
    const visitor = c.get('visitor')
    const [cart, recommended] = await Promise.all([
      getCart(db, visitor.shopperId),
      recommendedFor(deps, visitor.shopperId),
    ])
    return c.html(<CartPage cart={cart} visitor={visitor} recommended={recommended} />)
  })

  app.post('/cart/items', async (c) => {
    const visitor = c.get('visitor')
    const productId = (await formField(c, 'productId')) ?? ''
    try {
      await addToCart(db, visitor.shopperId, productId, (await formField(c, 'quantity')) ?? '1')
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      const count = await cartCount(db, visitor.shopperId)
      if (isHtmx(c))
        return c.html(<AddedToCart count={count} error={error.message} />, error.status as 422)
      return c.html(
        <CartPage
          cart={await getCart(db, visitor.shopperId)}
          visitor={visitor}
          notice={error.message}
        />,
        error.status as 422,
      )
    }
    if (isHtmx(c)) return c.html(<AddedToCart count={await cartCount(db, visitor.shopperId)} />)
    return c.redirect('/cart', 303)
  })

  app.post('/cart/items/:productId', async (c) => {
    const visitor = c.get('visitor')
    const productId = c.req.param('productId')
    let error: AppError | undefined
    try {
      await setQuantity(db, visitor.shopperId, productId, await formField(c, 'quantity'))
    } catch (caught) {
      if (!(caught instanceof AppError)) throw caught
      error = caught
    }
    const cart = await getCart(db, visitor.shopperId)
    const status = (error?.status ?? 200) as 200 | 422
    if (isHtmx(c)) {
      const line = cart.lines.find((l) => l.productId === productId)
      return c.html(
        <CartChange cart={cart} line={line} visitor={visitor} error={error?.message} />,
        status,
      )
    }
    if (error)
      return c.html(<CartPage cart={cart} visitor={visitor} notice={error.message} />, status)
    return c.redirect('/cart', 303)
  })

  app.post('/cart/items/:productId/delete', async (c) => {
    const visitor = c.get('visitor')
    await removeFromCart(db, visitor.shopperId, c.req.param('productId'))
    if (isHtmx(c))
      return c.html(<CartChange cart={await getCart(db, visitor.shopperId)} visitor={visitor} />)
    return c.redirect('/cart', 303)
  })

  return app
}
