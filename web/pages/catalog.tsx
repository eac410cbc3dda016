import { Hono } from 'hono'
import { ForbiddenError, type VisitorEnv } from '../../services/accounts/index.ts'
import {
  addReview,
  featuredProducts,
  findCategory,
  getProduct,
  hasReviewed,
  listCategories,
  listProducts,
  listReviews,
  PRODUCT_SORTS,
  type ProductSort,
  popularProducts,
} from '../../services/catalog/index.ts'
import { hasBought } from '../../services/orders/index.ts'
import { NotFoundError } from '../../shared/errors.ts'
import { Layout } from '../layout.tsx'
import { pseudonym, track } from '../track.ts'
import { CategoryPage, HomePage, PAGE_SIZE, Pager, ProductPage } from './catalog-views.tsx'
import { ProductGrid } from './product-views.tsx'
import {
  alsoBoughtFor,
  parseRecommendationClick,
  type RecommendedDeps,
  recommendedFor,
} from './recommended.ts'
import { withSellableStock } from './sellable.ts'

function sortOf(raw: string | undefined): ProductSort {
  return PRODUCT_SORTS.includes(raw as ProductSort) ? (raw as ProductSort) : 'popular'
}

function pageOf(raw: string | undefined): number {
  const page = Number(raw)
  return Number.isInteger(page) && page >= 1 && page <= 10_000 ? page : 1
}

export interface CatalogPagesDeps extends RecommendedDeps {
  /** Keys shopper ids in analytics events. */
  secret: string
}

/** Home, category listings, search and product pages; views and searches are tracked as served. */
export function catalogPages(deps: CatalogPagesDeps): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
  const { db } = deps

  app.get('/', async (c) => {
    const visitor = c.get('visitor')
    const [featured, popular, categories, recommended] = await Promise.all([
      featuredProducts(db, 8).then((list) => withSellableStock(db, list)),
      popularProducts(db, 8).then((list) => withSellableStock(db, list)),
      listCategories(db),
      recommendedFor(deps, visitor.shopperId),
    ])
    return c.html(
      <HomePage
        visitor={visitor}
        categories={categories}
        featured={featured}
        popular={popular}
        recommended={recommended}
      />,
    )
  })

  app.get('/c/:category', async (c) => {
    const visitor = c.get('visitor')
    const category = await findCategory(db, c.req.param('category'))
    if (!category) throw new NotFoundError('No such category')
    const sort = sortOf(c.req.query('sort'))
    const page = pageOf(c.req.query('page'))
    const result = await listProducts(db, {
      category: category.id,
      sort,
      page,
      pageSize: PAGE_SIZE,
    })
    await track(db, 'product_list.viewed', {
      userId: pseudonym(deps.secret, visitor.shopperId),
      metadata: { category: category.id, sort, page: String(page) },
    })
    return c.html(
      <CategoryPage
        visitor={visitor}
        category={category}
        items={await withSellableStock(db, result.items)}
        total={result.total}
        page={page}
        sort={sort}
      />,
    )
  })

  app.get('/search', async (c) => {
    const visitor = c.get('visitor')
    const q = (c.req.query('q') ?? '').trim().slice(0, 200)
    const page = pageOf(c.req.query('page'))
    const result = q
      ? await listProducts(db, { q, page, pageSize: PAGE_SIZE, sort: 'popular' })
      : null
    if (q)
      await track(db, 'product.searched', { userId: visitor.shopperId, query: q, metadata: {} })
    return c.html(
      <Layout title={q ? `Search: ${q}` : 'Search'} visitor={visitor}>
        <h1>{q ? `Results for “${q}”` : 'Search'}</h1>
        {result ? (
          <>
            <p class="muted">{result.total} products</p>
            <ProductGrid products={await withSellableStock(db, result.items)} visitor={visitor} />
            <Pager base="/search" page={page} total={result.total} params={{ q }} />
          </>
        ) : (
          <p>Type what you are looking for in the search box.</p>
        )}
      </Layout>,
    )
  })

  // Live search: a short list under the box as the shopper types (debounced by htmx).
  app.get('/search/suggest', async (c) => {
    const q = (c.req.query('q') ?? '').trim().slice(0, 200)
    if (q.length < 2) return c.html('')
    const result = await listProducts(db, { q, page: 1, pageSize: 6, sort: 'popular' })
    return c.html(
      <>
        {result.items.map((p) => (
          <a href={`/products/${p.slug}`}>{p.name}</a>
        ))}
        <a href={`/search?${new URLSearchParams({ q })}`}>All results for “{q}”</a>
      </>,
    )
  })

  app.get('/products/:slug', async (c) => {
    const visitor = c.get('visitor')
    const product = await getProduct(db, c.req.param('slug'))
    // A link from a panel: the click is tracked as the page is served.
    const click = parseRecommendationClick(c.req.query('rec'), c.req.query('ab'))
    if (click) {
      await track(db, 'recommendation.clicked', {
        userId: visitor.shopperId,
        productId: product.id,
        metadata: click,
      })
    }
    await track(db, 'product.viewed', {
      userId: visitor.shopperId,
      productId: product.id,
      metadata: {},
    })
    const [reviews, alsoBought, [sellable]] = await Promise.all([
      listReviews(db, product.id, { limit: 10 }),
      alsoBoughtFor(deps, product),
      withSellableStock(db, [product]),
    ])
    const canReview =
      visitor.user !== null &&
      (await hasBought(db, visitor.user.id, product.id)) &&
      !(await hasReviewed(db, product.id, visitor.user.id))
    return c.html(
      <ProductPage
        product={sellable ?? product}
        reviews={reviews}
        alsoBought={alsoBought}
        visitor={visitor}
        canReview={canReview}
      />,
    )
  })

  // Only buyers review: the form shows for them, and the post checks again.
  app.post('/products/:slug/reviews', async (c) => {
    const visitor = c.get('visitor')
    const product = await getProduct(db, c.req.param('slug'))
    if (!visitor.user || !(await hasBought(db, visitor.user.id, product.id))) {
      throw new ForbiddenError('Only customers who bought this product can review it')
    }
    const form = await c.req.parseBody()
    await addReview(db, {
      productId: product.id,
      userId: visitor.user.id,
      authorName: visitor.user.name,
      rating: String(form.rating ?? '') as unknown as number,
      title: String(form.title ?? ''),
      body: String(form.body ?? ''),
    })
    return c.redirect(`/products/${product.slug}`, 303)
  })

  return app
}
