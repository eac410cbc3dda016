import type { FC } from 'hono/jsx'
import type { Visitor } from '../../services/accounts/index.ts'
import type { Product } from '../../services/catalog/index.ts'
import { CsrfField } from '../layout.tsx'
import { formatMoney } from '../money.ts'

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

export const ProductCard: FC<{ product: Product; visitor: Visitor }> = ({ product, visitor }) => (
  <article class="product-card">
    <a href={`/products/${product.slug}`} class={`product-image ${hueClass(product.imageHue)}`}>
      <span class="visually-hidden">{product.name}</span>
    </a>
    <h3>
      <a href={`/products/${product.slug}`}>{product.name}</a>
    </h3>
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

/** The placeholder image's colour: a class per 30° of hue, since the CSP forbids inline styles. */
export function hueClass(hue: number): string {
  return `hue-${Math.floor((((hue % 360) + 360) % 360) / 30)}`
}
