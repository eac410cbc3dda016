import type { FC } from 'hono/jsx'
import type { Visitor } from '../../services/accounts/index.ts'
import type { Product } from '../../services/catalog/index.ts'
import type { Assignment } from '../../services/recommender/index.ts'
import { CsrfField } from '../layout.tsx'
import { formatMoney } from '../money.ts'
import { recommendationQuery } from './recommended.ts'

export const Stars: FC<{ avg: number; count: number }> = ({ avg, count }) => (
  <span class="stars" title={`${avg.toFixed(1)} out of 5`}>
    {'★'.repeat(Math.round(avg))}
    {'☆'.repeat(5 - Math.round(avg))} <span class="muted">({count})</span>
  </span>
)

/** Add to cart: a form that works without JavaScript; htmx swaps the confirmation in place. */
export const AddToCart: FC<{ product: Product; visitor: Visitor }> = ({ product, visitor }) =>
  product.stock > 0 ? (
    <form
      method="post"
      action="/cart/items"
      hx-post="/cart/items"
      hx-target="next .cart-feedback"
      class="add-to-cart"
    >
      <CsrfField visitor={visitor} />
      <input type="hidden" name="productId" value={product.id} />
      <input type="hidden" name="quantity" value="1" />
      <button type="submit">Add to cart</button>
      <span class="cart-feedback" aria-live="polite" />
    </form>
  ) : (
    <p class="muted">Out of stock</p>
  )

export const ProductCard: FC<{
  product: Product
  visitor: Visitor
  /** Why it is shown (a recommendation's reason). */
  note?: string
  /** Appended to the product's links, e.g. `rec=hybrid.2` so the click is tracked. */
  query?: string
}> = ({ product, visitor, note, query }) => (
  <article class="product-card">
    <a
      href={`/products/${product.slug}${query ? `?${query}` : ''}`}
      class={`product-image ${hueClass(product.imageHue)}`}
    >
      <span class="visually-hidden">{product.name}</span>
    </a>
    <h3>
      <a href={`/products/${product.slug}${query ? `?${query}` : ''}`}>{product.name}</a>
    </h3>
    {note ? <p class="reason muted">{note}</p> : null}
    <p class="price">{formatMoney(product.priceMinor, product.currency)}</p>
    <Stars avg={product.ratingAvg} count={product.ratingCount} />
    <AddToCart product={product} visitor={visitor} />
  </article>
)

export const ProductGrid: FC<{ products: Product[]; visitor: Visitor }> = ({
  products,
  visitor,
}) => (
  <div class="product-grid">
    {products.map((p) => (
      <ProductCard product={p} visitor={visitor} />
    ))}
  </div>
)

/** Recommended products, each with its reason; with a strategy, clicks on them are tracked. */
export const RecommendationGrid: FC<{
  products: Product[]
  reasons: Map<string, string>
  visitor: Visitor
  strategy?: string
  assignment?: Assignment | null
}> = ({ products, reasons, visitor, strategy, assignment }) => (
  <div class="product-grid">
    {products.map((p, i) => (
      <ProductCard
        product={p}
        visitor={visitor}
        note={reasons.get(p.id)}
        query={strategy ? recommendationQuery(strategy, i + 1, assignment) : undefined}
      />
    ))}
  </div>
)

/** The placeholder image's colour: a class per 30° of hue, since the CSP forbids inline styles. */
export function hueClass(hue: number): string {
  return `hue-${Math.floor((((hue % 360) + 360) % 360) / 30)}`
}
