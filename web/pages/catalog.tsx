import { Hono } from 'hono'
import type { Visitor } from '../../services/accounts/identity.ts'
import { ForbiddenError } from '../../services/accounts/identity.ts'
import { PRODUCT_SORTS, type ProductSort } from '../../services/catalog/inputs.ts'
import {
  featuredProducts,
  findCategory,
  getProduct,
  listCategories,
  listProducts,
  popularProducts,
} from '../../services/catalog/products.ts'
import { addReview, hasReviewed, listReviews } from '../../services/catalog/reviews.ts'
import { hasBought } from '../../services/orders/orders.ts'
import type { Db } from '../../shared/db/client.ts'
import { NotFoundError } from '../../shared/errors.ts'
import { CsrfField, Layout } from '../layout.tsx'
import { formatMoney } from '../money.ts'
import { pseudonym, track } from '../track.ts'
import { AddToCart, hueClass, ProductGrid, Stars } from './product-views.tsx'

const PAGE_SIZE = 24
const SORT_LABELS: Record<ProductSort, string> = {
  popular: 'Most popular',
  price_asc: 'Price: low to high',
  price_desc: 'Price: high to low',
  newest: 'Newest',
  rating: 'Best rated',
  name: 'Name',
}

function sortOf(raw: string | undefined): ProductSort {
  return PRODUCT_SORTS.includes(raw as ProductSort) ? (raw as ProductSort) : 'popular'
}

function pageOf(raw: string | undefined): number {
  const page = Number(raw)
  return Number.isInteger(page) && page >= 1 && page <= 10_000 ? page : 1
}

const Pager = (p: {
  base: string
  page: number
  total: number
  params: Record<string, string>
}) => {
  const pages = Math.max(1, Math.ceil(p.total / PAGE_SIZE))
  const href = (page: number) =>
    `${p.base}?${new URLSearchParams({ ...p.params, page: String(page) })}`
  return (
    <nav class="pager" aria-label="Pages">
      {p.page > 1 ? <a href={href(p.page - 1)}>← Previous</a> : null}
      <span>
        Page {p.page} of {pages}
      </span>
      {p.page < pages ? <a href={href(p.page + 1)}>Next →</a> : null}
    </nav>
  )
}

export interface CatalogPagesDeps {
  db: Db
  /** Keys shopper ids in analytics events. */
  secret: string
  onTracked: () => void
}

/** Home, category listings, search and product pages; views and searches are tracked as served. */
export function catalogPages(deps: CatalogPagesDeps): Hono {
  const app = new Hono()
  const { db } = deps

  async function tracked(work: Promise<void>) {
    await work
    deps.onTracked()
  }

  app.get('/', async (c) => {
    const visitor = c.get('visitor')
    const [featured, popular, categories] = await Promise.all([
      featuredProducts(db, 8),
      popularProducts(db, 8),
      listCategories(db),
    ])
    return c.html(
      <Layout title="Home" visitor={visitor}>
        <h1>{visitor.user ? `Welcome back, ${visitor.user.name}` : 'Welcome to Streamshop'}</h1>
        <ul class="categories">
          {categories.map((cat) => (
            <li>
              <a href={`/c/${cat.id}`}>
                {cat.name} <span class="muted">({cat.productCount})</span>
              </a>
            </li>
          ))}
        </ul>
        <h2>Featured</h2>
        <ProductGrid products={featured} visitor={visitor} />
        <h2>Popular right now</h2>
        <ProductGrid products={popular} visitor={visitor} />
        <section id="recommendations">
          <h2>Recommended for you</h2>
          {/* Popularity until the recommender personalises it. */}
          <ProductGrid products={popular.slice(0, 4)} visitor={visitor} />
        </section>
      </Layout>,
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
    await tracked(
      track(db, 'product_list.viewed', {
        userId: pseudonym(deps.secret, visitor.shopperId),
        metadata: { category: category.id, sort, page: String(page) },
      }),
    )
    return c.html(
      <Layout title={category.name} visitor={visitor}>
        <h1>{category.name}</h1>
        <div class="toolbar">
          <span class="muted">{result.total} products</span>
          <form method="get" action={`/c/${category.id}`}>
            <label>
              Sort by{' '}
              <select name="sort">
                {PRODUCT_SORTS.map((s) => (
                  <option value={s} selected={s === sort}>
                    {SORT_LABELS[s]}
                  </option>
                ))}
              </select>
            </label>{' '}
            <button type="submit">Sort</button>
          </form>
        </div>
        <ProductGrid products={result.items} visitor={visitor} />
        <Pager base={`/c/${category.id}`} page={page} total={result.total} params={{ sort }} />
      </Layout>,
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
      await tracked(
        track(db, 'product.searched', { userId: visitor.shopperId, query: q, metadata: {} }),
      )
    return c.html(
      <Layout title={q ? `Search: ${q}` : 'Search'} visitor={visitor}>
        <h1>{q ? `Results for “${q}”` : 'Search'}</h1>
        {result ? (
          <>
            <p class="muted">{result.total} products</p>
            <ProductGrid products={result.items} visitor={visitor} />
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
    const [reviews, alsoBought] = await Promise.all([
      listReviews(db, product.id, { limit: 10 }),
      popularProducts(db, 5, { category: product.categoryId }),
    ])
    await tracked(
      track(db, 'product.viewed', {
        userId: visitor.shopperId,
        productId: product.id,
        metadata: {},
      }),
    )
    const canReview =
      visitor.user !== null &&
      (await hasBought(db, visitor.user.id, product.id)) &&
      !(await hasReviewed(db, product.id, visitor.user.id))
    return c.html(
      <ProductPage
        product={product}
        reviews={reviews}
        alsoBought={alsoBought.filter((p) => p.id !== product.id).slice(0, 4)}
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
    deps.onTracked()
    return c.redirect(`/products/${product.slug}`, 303)
  })

  return app
}

type Reviews = Awaited<ReturnType<typeof listReviews>>

function ProductPage(p: {
  product: Awaited<ReturnType<typeof getProduct>>
  reviews: Reviews
  alsoBought: Awaited<ReturnType<typeof popularProducts>>
  visitor: Visitor
  canReview: boolean
}) {
  const { product, visitor } = p
  return (
    <Layout title={product.name} visitor={visitor}>
      <p>
        <a href={`/c/${product.category.id}`}>{product.category.name}</a>
      </p>
      <div class="product-page">
        <div
          class={`product-image large ${hueClass(product.imageHue)}`}
          role="img"
          aria-label={product.name}
        />
        <section>
          <h1>{product.name}</h1>
          <Stars avg={product.ratingAvg} count={product.ratingCount} />
          <p class="price">{formatMoney(product.priceMinor, product.currency)}</p>
          <p class="muted">{product.stock > 0 ? `${product.stock} in stock` : 'Out of stock'}</p>
          <AddToCart product={product} visitor={visitor} />
          <p>{product.description}</p>
          <dl>
            {Object.entries(product.attributes).map(([k, v]) => (
              <>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </>
            ))}
          </dl>
        </section>
      </div>
      <section class="reviews">
        <h2>Reviews</h2>
        {p.reviews.length === 0 ? <p class="muted">No reviews yet.</p> : null}
        {p.canReview ? (
          <form class="form card" method="post" action={`/products/${product.slug}/reviews`}>
            <CsrfField visitor={visitor} />
            <label>
              Your rating
              <select name="rating" required>
                {[5, 4, 3, 2, 1].map((n) => (
                  <option value={String(n)}>{`${n} star${n > 1 ? 's' : ''}`}</option>
                ))}
              </select>
            </label>
            <label>
              Title
              <input name="title" maxlength={120} />
            </label>
            <label>
              Review
              <textarea name="body" maxlength={4000} rows={4} />
            </label>
            <button type="submit">Post review</button>
          </form>
        ) : null}
        {p.reviews.map((r) => (
          <article class="card">
            <Stars avg={r.rating} count={1} /> <strong>{r.title}</strong>
            <p>{r.body}</p>
            <p class="muted">{r.authorName}</p>
          </article>
        ))}
      </section>
      <section id="also-bought">
        <h2>Customers also bought</h2>
        <ProductGrid products={p.alsoBought} visitor={visitor} />
      </section>
    </Layout>
  )
}
