import type { FC } from 'hono/jsx'
import type { Visitor } from '../../services/accounts/index.ts'
import type { Cart, CartLine } from '../../services/carts/index.ts'
import { CartCount, CsrfField, Layout } from '../layout.tsx'
import { formatMoney } from '../money.ts'
import { RecommendedPanel } from './catalog-views.tsx'
import type { Recommended } from './recommended.ts'

export const CartTotal: FC<{ cart: Cart; oob?: boolean }> = ({ cart, oob }) => (
  <p id="cart-total" class="cart-total" hx-swap-oob={oob ? 'true' : undefined}>
    Total: <strong>{formatMoney(cart.totalMinor, cart.currency)}</strong>
  </p>
)

/** One cart line; the same component renders in the page and as the htmx fragment after a change. */
export const CartLineRow: FC<{ line: CartLine; visitor: Visitor; error?: string }> = ({
  line,
  visitor,
  error,
}) => (
  <li id={`line-${line.productId}`} class="cart-line">
    <span class="swatch" data-hue={line.imageHue} />
    <a href={`/products/${line.slug}`} class="name">
      {line.name}
    </a>
    <span class="price">{formatMoney(line.priceMinor, line.currency)}</span>
    <form
      method="post"
      action={`/cart/items/${line.productId}`}
      hx-post={`/cart/items/${line.productId}`}
      hx-target={`#line-${line.productId}`}
      hx-swap="outerHTML"
      class="quantity"
    >
      <CsrfField visitor={visitor} />
      <label>
        Quantity
        <input
          name="quantity"
          type="number"
          min="1"
          max={Math.min(line.stock, 99)}
          value={String(line.quantity)}
          inputmode="numeric"
        />
      </label>
      <button type="submit">Update</button>
      {error ? (
        <span class="error" role="alert">
          {error}
        </span>
      ) : null}
    </form>
    <span class="line-total">{formatMoney(line.lineTotalMinor, line.currency)}</span>
    <form
      method="post"
      action={`/cart/items/${line.productId}/delete`}
      hx-post={`/cart/items/${line.productId}/delete`}
      hx-target={`#line-${line.productId}`}
      hx-swap="outerHTML"
    >
      <CsrfField visitor={visitor} />
      <button type="submit" class="link">
        Remove
      </button>
    </form>
  </li>
)

/** After a change: the line (or nothing, once removed) plus the header count and the total, out of band. */
export const CartChange: FC<{ cart: Cart; line?: CartLine; visitor: Visitor; error?: string }> = ({
  cart,
  line,
  visitor,
  error,
}) => (
  <>
    {line ? <CartLineRow line={line} visitor={visitor} error={error} /> : null}
    <CartCount count={cart.count} oob />
    <CartTotal cart={cart} oob />
  </>
)

export const CartPage: FC<{
  cart: Cart
  visitor: Visitor
  notice?: string
  /** "Recommended for you" under the cart (the page after a failed change leaves it out). */
  recommended?: Recommended
}> = ({ cart, visitor, notice, recommended }) => (
  <Layout
    title="Your cart"
    visitor={visitor}
    cartCount={cart.count}
    live={recommended ? ['recommendations'] : undefined}
  >
    <h1>Your cart</h1>
    {notice ? (
      <p class="notice" role="alert">
        {notice}
      </p>
    ) : null}
    {cart.lines.length === 0 ? (
      <p>
        Your cart is empty. <a href="/">Find something you like</a>.
      </p>
    ) : (
      <section class="card">
        <ul class="cart-lines">
          {cart.lines.map((line) => (
            <CartLineRow line={line} visitor={visitor} />
          ))}
        </ul>
        <CartTotal cart={cart} />
        <a class="button" href="/checkout">
          Checkout
        </a>
      </section>
    )}
    {recommended ? <RecommendedPanel visitor={visitor} {...recommended} /> : null}
  </Layout>
)

/** The answer to an htmx add-to-cart: a confirmation where the button was, and the new count. */
export const AddedToCart: FC<{ count: number; error?: string }> = ({ count, error }) => (
  <>
    {error ? (
      <span class="error" role="alert">
        {error}
      </span>
    ) : (
      <span class="added" role="status">
        Added to your cart
      </span>
    )}
    <CartCount count={count} oob />
  </>
)
