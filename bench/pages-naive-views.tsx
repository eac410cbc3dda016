// The baseline of `bun run bench pages`: the shop's four pages rendered through the same
// components from the naive loaders of pages-naive.ts. The bench mounts these routes on the shop
// app itself, so both variants pass the same middleware (identity, CSRF, cart count) and write the
// same tracking events; only the data loading differs. The markup of the home, category and
// product pages is copied from web/pages/catalog.tsx, which keeps it inside its route handlers;
// the bench checks that both variants serve the same HTML before it measures, so a stale copy
// fails loudly rather than skewing the ratio.
import { Hono } from 'hono'
import type { Visitor } from '../services/accounts/identity.ts'
import { CartPage } from '../services/carts/views.tsx'
import { PRODUCT_SORTS, type ProductSort } from '../services/catalog/inputs.ts'
import {
  type CategoryWithCount,
  findCategory,
  getProduct,
  type Product,
} from '../services/catalog/products.ts'
import { listReviews, type Review } from '../services/catalog/reviews.ts'
import type { Db } from '../shared/db/client.ts'
import { NotFoundError } from '../shared/errors.ts'
import { Layout } from '../web/layout.tsx'
import { formatMoney } from '../web/money.ts'
import { AddToCart, hueClass, ProductGrid, Stars } from '../web/pages/product-views.tsx'
import { pseudonym, track } from '../web/track.ts'
import {
  NAIVE_SORT,
  naiveCart,
  naiveHome,
  naiveListing,
  naivePopularIn,
  PAGE_SIZE,
} from './pages-naive.ts'

const SORT_LABELS: Record<ProductSort, string> = {
  popular: 'Most popular',
  price_asc: 'Price: low to high',
  price_desc: 'Price: high to low',
  newest: 'Newest',
  rating: 'Best rated',
  name: 'Name',
}

const HomePage = (p: {
  visitor: Visitor
  categories: CategoryWithCount[]
  featured: Product[]
  popular: Product[]
}) => (
  <Layout title="Home" visitor={p.visitor}>
    <h1>{p.visitor.user ? `Welcome back, ${p.visitor.user.name}` : 'Welcome to Streamshop'}</h1>
    <ul class="categories">
      {p.categories.map((cat) => (
        <li>
          <a href={`/c/${cat.id}`}>
            {cat.name} <span class="muted">({cat.productCount})</span>
          </a>
        </li>
      ))}
    </ul>
    <h2>Featured</h2>
    <ProductGrid products={p.featured} visitor={p.visitor} />
    <h2>Popular right now</h2>
    <ProductGrid products={p.popular} visitor={p.visitor} />
    <section id="recommendations">
      <h2>Recommended for you</h2>
      <ProductGrid products={p.popular.slice(0, 4)} visitor={p.visitor} />
    </section>
  </Layout>
)

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

const CategoryPage = (p: {
  visitor: Visitor
  category: { id: string; name: string }
  items: Product[]
  total: number
  page: number
  sort: ProductSort
}) => (
  <Layout title={p.category.name} visitor={p.visitor}>
    <h1>{p.category.name}</h1>
    <div class="toolbar">
      <span class="muted">{p.total} products</span>
      <form method="get" action={`/c/${p.category.id}`}>
        <label>
          Sort by{' '}
          <select name="sort">
            {PRODUCT_SORTS.map((s) => (
              <option value={s} selected={s === p.sort}>
                {SORT_LABELS[s]}
              </option>
            ))}
          </select>
        </label>{' '}
        <button type="submit">Sort</button>
      </form>
    </div>
    <ProductGrid products={p.items} visitor={p.visitor} />
    <Pager base={`/c/${p.category.id}`} page={p.page} total={p.total} params={{ sort: p.sort }} />
  </Layout>
)

// The guest's view: the review form the shop adds for buyers who have not reviewed yet is left
// out, and so are the two queries deciding it, which a guest's page never makes either.
const ProductPage = (p: {
  product: Product
  reviews: Review[]
  alsoBought: Product[]
  visitor: Visitor
}) => {
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

export interface NaivePagesDeps {
  db: Db
  /** Keys shopper ids in analytics events, as the shop's pages do. */
  secret: string
  onTracked: () => void
}

/** `/`, `/c/:category` (page 1.., popular order only), `/products/:slug` and `/cart`, N+1. */
export function naivePages(deps: NaivePagesDeps): Hono {
  const app = new Hono()
  const { db } = deps

  app.get('/', async (c) => {
    const data = await naiveHome(db)
    return c.html(<HomePage visitor={c.get('visitor')} {...data} />)
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
    deps.onTracked()
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
    const [reviews, alsoBought] = await Promise.all([
      listReviews(db, product.id, { limit: 10 }),
      naivePopularIn(db, product.categoryId, 5),
    ])
    await track(db, 'product.viewed', {
      userId: visitor.shopperId,
      productId: product.id,
      metadata: {},
    })
    deps.onTracked()
    return c.html(
      <ProductPage
        product={product}
        reviews={reviews}
        alsoBought={alsoBought.filter((p) => p.id !== product.id).slice(0, 4)}
        visitor={visitor}
      />,
    )
  })

  app.get('/cart', async (c) => {
    const visitor = c.get('visitor')
    return c.html(<CartPage cart={await naiveCart(db, visitor.shopperId)} visitor={visitor} />)
  })

  return app
}
