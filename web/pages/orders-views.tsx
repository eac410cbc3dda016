import type { FC } from 'hono/jsx'
import type { Visitor } from '../../services/accounts/index.ts'
import type { Cart } from '../../services/carts/index.ts'
import type { Order } from '../../services/orders/index.ts'
import { CsrfField, Layout } from '../layout.tsx'
import { formatMoney } from '../money.ts'

const FIELDS: [name: string, label: string, autocomplete: string][] = [
  ['name', 'Full name', 'name'],
  ['street', 'Street and number', 'street-address'],
  ['city', 'City', 'address-level2'],
  ['postalCode', 'Postal code', 'postal-code'],
  ['country', 'Country', 'country-name'],
  ['cardNumber', 'Card number (simulated; try 4242 4242 4242 4242)', 'cc-number'],
  ['expiry', 'Expiry (MM/YY)', 'cc-exp'],
  ['cvc', 'CVC', 'cc-csc'],
]

export const CheckoutPage: FC<{
  visitor: Visitor
  cart: Cart
  idempotencyKey: string
  values?: Record<string, string>
  errors?: Record<string, string>
  notice?: string
}> = ({ visitor, cart, idempotencyKey, values = {}, errors = {}, notice }) => (
  <Layout title="Checkout" visitor={visitor}>
    <h1>Checkout</h1>
    {notice ? (
      <p class="notice" role="alert">
        {notice}
      </p>
    ) : null}
    <section class="card">
      <h2>Your order</h2>
      <ul>
        {cart.lines.map((l) => (
          <li>
            {l.quantity} × {l.name} — {formatMoney(l.lineTotalMinor, l.currency)}
          </li>
        ))}
      </ul>
      <p>
        Total: <strong>{formatMoney(cart.totalMinor, cart.currency)}</strong>
      </p>
    </section>
    <form class="form card" method="post" action="/checkout">
      <CsrfField visitor={visitor} />
      {/* One order per rendered form: submitting twice places it once. */}
      <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
      {FIELDS.map(([name, label, autocomplete]) => (
        <label>
          {label}
          <input
            name={name}
            value={name === 'cardNumber' || name === 'cvc' ? undefined : values[name]}
            autocomplete={autocomplete}
            required
            aria-invalid={errors[name] ? 'true' : undefined}
          />
          {errors[name] ? <span class="error">{errors[name]}</span> : null}
        </label>
      ))}
      <button type="submit">Place order</button>
    </form>
  </Layout>
)

export const OrderSummary: FC<{ order: Order }> = ({ order }) => (
  <section class="card" id="order">
    <p>
      Status: <strong class="order-status">{order.status}</strong>
    </p>
    <ul>
      {order.items.map((i) => (
        <li>
          {i.quantity} × {i.name} — {formatMoney(i.priceMinor * i.quantity, order.currency)}
        </li>
      ))}
    </ul>
    <p>
      Total: <strong>{formatMoney(order.totalMinor, order.currency)}</strong> · card ending{' '}
      {order.cardLast4}
    </p>
    <p class="muted">
      Ships to {order.address.name}, {order.address.street}, {order.address.postalCode}{' '}
      {order.address.city}, {order.address.country}
    </p>
  </section>
)

export const OrderPage: FC<{ visitor: Visitor; order: Order }> = ({ visitor, order }) => (
  <Layout title="Your order" visitor={visitor}>
    <h1>Thank you! Order {order.id.slice(-8)}</h1>
    <OrderSummary order={order} />
    <p>
      <a href="/orders">All your orders</a>
    </p>
  </Layout>
)

export const OrdersPage: FC<{ visitor: Visitor; orders: Order[] }> = ({ visitor, orders }) => (
  <Layout title="Your orders" visitor={visitor}>
    <h1>Your orders</h1>
    {orders.length === 0 ? <p>No orders yet.</p> : null}
    <ul class="orders">
      {orders.map((o) => (
        <li>
          <a href={`/orders/${o.id}`}>
            {new Date(o.createdAt).toISOString().slice(0, 10)} · {o.items.length} item(s) ·{' '}
            {formatMoney(o.totalMinor, o.currency)} · {o.status}
          </a>
        </li>
      ))}
    </ul>
  </Layout>
)
