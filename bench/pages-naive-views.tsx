// The baseline of `bun run bench pages`: the shop's four pages rendered through the same
// components from the naive loaders of pages-naive.ts. The bench mounts these routes on the shop
// app itself, so both variants pass the same middleware (identity, CSRF, cart count) and write the
// same tracking events; only the data loading differs. The markup comes from the shop's own page
// components (web/pages/catalog-views.tsx); the bench also checks that both variants serve the
// same HTML before it measures.
import { Hono } from 'hono'
import type { VisitorEnv } from '../services/accounts/index.ts'
import { findCategory, getProduct, type Product } from '../services/catalog/products.ts'
import { listReviews } from '../services/catalog/reviews.ts'
import type { RecommendationServing } from '../services/recommender/index.ts'
import type { Db } from '../shared/db/client.ts'
import { NotFoundError } from '../shared/errors.ts'
import { CartPage } from '../web/pages/carts-views.tsx'
import { CategoryPage, HomePage, ProductPage } from '../web/pages/catalog-views.tsx'
import { pseudonym, track } from '../web/track.ts'
import { NAIVE_SORT, naiveCart, naiveHome, naiveListing, naivePopularIn } from './pages-naive.ts'

export interface NaivePagesDeps {
  db: Db
  /** Keys shopper ids in analytics events, as the shop's pages do. */
  secret: string
  /** The shop's own serving (strategy, A/B variant): the panels must match; their products load N+1. */
  serving: RecommendationServing
}

/** Recommended products one getProduct each, in the recommender's order, with their reasons. */
async function naiveRecommended(db: Db, items: { productId: string; reason: string }[]) {
  const products = await Promise.all(items.map((i) => getProduct(db, i.productId)))
  return { products, reasons: new Map(items.map((i) => [i.productId, i.reason])) }
}

/** `/`, `/c/:category` (page 1.., popular order only), `/products/:slug` and `/cart`, N+1. */
export function naivePages(deps: NaivePagesDeps): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
  const { db } = deps

  app.get('/', async (c) => {
    const visitor = c.get('visitor')
    const { answer, assignment } = deps.serving.serve({
      userId: visitor.shopperId,
      limit: 4,
      channel: 'panel',
    })
    const [data, recommended] = await Promise.all([
      naiveHome(db),
      naiveRecommended(db, answer.items),
    ])
    return c.html(
      <HomePage
        visitor={visitor}
        {...data}
        recommended={{ ...recommended, strategy: answer.strategy, assignment }}
      />,
    )
  })

  app.get('/c/:category', async (c) => {
    const visitor = c.get('visitor')
    const category = await findCategory(db, c.req.param('category'))
    if (!category) throw new NotFoundError('No such category')
    const page = Math.max(1, Math.trunc(Number(c.req.query('page'))) || 1)
    const { items, total } = await naiveListing(db, category.id, page)
    await track(db, 'product_list.viewed', {
      userId: pseudonym(deps.secret, visitor.shopperId),
      metadata: { category: category.id, sort: NAIVE_SORT, page: String(page) },
    })
    return c.html(
      <CategoryPage
        visitor={visitor}
        category={category}
        items={items}
        total={total}
        page={page}
        sort={NAIVE_SORT}
      />,
    )
  })

  app.get('/products/:slug', async (c) => {
    const visitor = c.get('visitor')
    const product = await getProduct(db, c.req.param('slug'))
    await track(db, 'product.viewed', {
      userId: visitor.shopperId,
      productId: product.id,
      metadata: {},
    })
    const [reviews, alsoBought, sameCategory] = await Promise.all([
      listReviews(db, product.id, { limit: 10 }),
      naiveRecommended(db, deps.serving.recommender.alsoBought(product.id, 4)),
      naivePopularIn(db, product.categoryId, 5),
    ])
    const shown = new Set([product.id, ...alsoBought.products.map((p: Product) => p.id)])
    for (const p of sameCategory) {
      if (alsoBought.products.length >= 4) break
      if (shown.has(p.id)) continue
      alsoBought.products.push(p)
      alsoBought.reasons.set(p.id, 'popular in this category')
    }
    return c.html(
      <ProductPage
        product={product}
        reviews={reviews}
        alsoBought={alsoBought}
        visitor={visitor}
        // The bench's visitor is a guest, who never sees the review form.
        canReview={false}
      />,
    )
  })

  app.get('/cart', async (c) => {
    const visitor = c.get('visitor')
    const { answer, assignment } = deps.serving.serve({
      userId: visitor.shopperId,
      limit: 4,
      channel: 'panel',
    })
    const [cart, recommended] = await Promise.all([
      naiveCart(db, visitor.shopperId),
      naiveRecommended(db, answer.items),
    ])
    return c.html(
      <CartPage
        cart={cart}
        visitor={visitor}
        recommended={{ ...recommended, strategy: answer.strategy, assignment }}
      />,
    )
  })

  return app
}
