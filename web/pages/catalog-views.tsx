import type { Visitor } from '../../services/accounts/index.ts'
import {
  type CategoryWithCount,
  PRODUCT_SORTS,
  type Product,
  type ProductSort,
  type Review,
} from '../../services/catalog/index.ts'
import type { Assignment } from '../../services/recommender/index.ts'
import { CsrfField, Layout } from '../layout.tsx'
import { formatMoney } from '../money.ts'
import { AddToCart, hueClass, ProductGrid, RecommendationGrid, Stars } from './product-views.tsx'
import type { Recommended } from './recommended.ts'

// The catalog's pages, apart from their routes so that other renderings (the pages bench) use
// the very same markup.

export const PAGE_SIZE = 24

export const SORT_LABELS: Record<ProductSort, string> = {
  popular: 'Most popular',
  price_asc: 'Price: low to high',
  price_desc: 'Price: high to low',
  newest: 'Newest',
  rating: 'Best rated',
  name: 'Name',
}

/**
 * "Recommended for you": rendered in the page, and pushed again over the page's stream whenever
 * the recommender's answer for this shopper changes (the same component both times).
 */
export const RecommendedPanel = (p: {
  visitor: Visitor
  products: Product[]
  reasons: Map<string, string>
  strategy: string
  assignment?: Assignment | null
}) => (
  <section id="recommendations">
    <h2>Recommended for you</h2>
    <RecommendationGrid
      products={p.products}
      reasons={p.reasons}
      strategy={p.strategy}
      assignment={p.assignment}
      visitor={p.visitor}
    />
  </section>
)

/** "Customers also bought": in the product page, and in each update of its `also-bought` part. */
export const AlsoBoughtPanel = (p: {
  visitor: Visitor
  products: Product[]
  reasons: Map<string, string>
}) => (
  <section id="also-bought">
    <h2>Customers also bought</h2>
    <RecommendationGrid products={p.products} reasons={p.reasons} visitor={p.visitor} />
  </section>
)

export const HomePage = (p: {
  visitor: Visitor
  categories: CategoryWithCount[]
  featured: Product[]
  popular: Product[]
  recommended: Recommended
}) => (
  <Layout title="Home" visitor={p.visitor} live={['recommendations']}>
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
    <RecommendedPanel visitor={p.visitor} {...p.recommended} />
  </Layout>
)

export const Pager = (p: {
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

export const CategoryPage = (p: {
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

export function ProductPage(p: {
  product: Product
  reviews: Review[]
  alsoBought: { products: Product[]; reasons: Map<string, string> }
  visitor: Visitor
  canReview: boolean
}) {
  const { product, visitor } = p
  return (
    <Layout title={product.name} visitor={visitor} live={[`also-bought:${product.id}`]}>
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
      <AlsoBoughtPanel visitor={visitor} {...p.alsoBought} />
    </Layout>
  )
}
