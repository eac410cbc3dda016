import type { FC } from 'hono/jsx'
import type { Visitor } from '../../services/accounts/index.ts'
import type { Cart } from '../../services/carts/index.ts'
import type { Order, orderView } from '../../services/orders/index.ts'
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
      <label>
        Coupon code (optional)
        <input
          name="couponCode"
          value={values.couponCode}
          autocomplete="off"
          aria-invalid={errors.couponCode ? 'true' : undefined}
        />
        {errors.couponCode ? <span class="error">{errors.couponCode}</span> : null}
      </label>
      <button type="submit">Place order</button>
    </form>
  </Layout>
)

export const OrderSummary: FC<{ order: Order }> = ({ order }) => (
  <section class="card" id="order">
    <ul>
      {order.items.map((i) => (
        <li>
          {i.quantity} × {i.name} — {formatMoney(i.priceMinor * i.quantity, order.currency)}
        </li>
      ))}
    </ul>
    {order.couponCode ? (
      <p class="order-discount">
        Coupon {order.couponCode}: −{formatMoney(order.discountMinor, order.currency)}
      </p>
    ) : null}
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

/** An order as its page shows it: the saga's status, the reason it was cancelled, its steps. */
export type OrderProgressView = Awaited<ReturnType<typeof orderView>>

const STATUS_WORDS: Record<string, string> = {
  placed: 'Placed',
  payment_authorizing: 'Authorizing your payment',
  inventory_reserving: 'Reserving your items',
  shipment_creating: 'Booking the shipment',
  payment_capturing: 'Taking the payment',
  compensating: 'Cancelling',
  completed: 'completed',
  cancelled: 'cancelled',
}

const STEP_WORDS: Record<string, string> = {
  validate: 'Order checked',
  authorize_payment: 'Payment authorization',
  reserve_inventory: 'Stock reservation',
  create_shipment: 'Shipment',
  capture_payment: 'Payment capture',
  cancel_shipment: 'Shipment cancelled',
  release_inventory: 'Stock released',
  void_payment: 'Payment voided',
  refund_payment: 'Payment refunded',
  completed: 'Order completed',
  cancelled: 'Order cancelled',
}

/** The order's progress: one component for the page and for each live update of it. */
export const OrderProgress: FC<{ view: OrderProgressView }> = ({ view }) => (
  <section class="card" id="order-progress" aria-live="polite" data-status={view.status}>
    <p>
      Status: <strong class="order-status">{STATUS_WORDS[view.status] ?? view.status}</strong>
    </p>
    {view.status === 'cancelled' && view.message ? (
      <p class="error order-reason" data-reason={view.reason}>
        {view.message}
      </p>
    ) : null}
    <ol class="order-steps">
      {view.history.map((h) => (
        <li data-step={h.step} data-outcome={h.outcome}>
          {STEP_WORDS[h.step] ?? h.step}: {h.outcome.replace('_', ' ')}{' '}
          <time class="muted" datetime={h.at}>
            {h.at.slice(11, 19)}
          </time>
        </li>
      ))}
    </ol>
  </section>
)

export const OrderPage: FC<{ visitor: Visitor; order: Order; view: OrderProgressView }> = ({
  visitor,
  order,
  view,
}) => (
  <Layout title="Your order" visitor={visitor} live={[`order:${order.id}`]}>
    <h1>Thank you! Order {order.id.slice(-8)}</h1>
    <OrderProgress view={view} />
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
