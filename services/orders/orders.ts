import { and, desc, eq, sql } from 'drizzle-orm'
import { z } from 'zod'
import { commit } from '../../shared/bus/commit.ts'
import type { Db, Writer } from '../../shared/db/client.ts'
import { AppError, type FieldError, NotFoundError, ValidationError } from '../../shared/errors.ts'
import { emptyCartStatement, getCart } from '../carts/index.ts'
import { productsByIds } from '../catalog/index.ts'
import { tokenizeCard } from '../payments/index.ts'
import { type CouponQuote, normaliseCode, quoteCoupon, redeemCoupon } from '../promotions/index.ts'
import { type SagaSettings, startSaga } from './saga.ts'
import { sagaStart } from './saga-store.ts'
import { type Order, type OrderItem, orderSagas, orders } from './schema.ts'

export class EmptyCartError extends AppError {
  constructor() {
    super('Your cart is empty', { code: 'EMPTY_CART', status: 400 })
  }
}

/** The same Idempotency-Key sent again with another body. */
export class IdempotencyKeyReusedError extends AppError {
  constructor() {
    super('This Idempotency-Key was already used for a different order', {
      code: 'IDEMPOTENCY_KEY_REUSED',
      status: 409,
    })
  }
}

/** Too many sagas under way: the order is refused before anything is written, to be sent again. */
export class OrdersBusyError extends AppError {
  constructor() {
    super('We are taking more orders than we can handle right now; please try again in a moment', {
      code: 'ORDERS_BUSY',
      status: 503,
      canRetry: true,
      retryAfterSeconds: 5,
    })
  }
}

/** How many sagas are under way, counting no further than `limit`. */
async function sagasInFlight(db: Db, limit: number): Promise<number> {
  const [row] = await db.all<{ n: number }>(
    sql`select count(*) as n from (select 1 from ${orderSagas} where ${orderSagas.phase} in ('forward', 'compensating') limit ${limit})`,
  )
  return Number(row?.n ?? 0)
}

function luhn(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i])
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2
    sum += d
  }
  return sum % 10 === 0
}

/** The checkout form: a shipping address and a simulated card (only its last four digits are kept). */
export const checkoutSchema = z.object({
  name: z.string().trim().min(1, 'Enter the name to ship to').max(100),
  street: z.string().trim().min(1, 'Enter the street').max(200),
  city: z.string().trim().min(1, 'Enter the city').max(100),
  postalCode: z.string().trim().min(2, 'Enter the postal code').max(20),
  country: z.string().trim().min(2, 'Enter the country').max(60),
  cardNumber: z
    .string()
    .transform((v) => v.replace(/[\s-]/g, ''))
    .pipe(
      z
        .string()
        .regex(/^\d{12,19}$/, 'Enter the card number')
        .refine(luhn, 'That card number is not valid'),
    ),
  expiry: z
    .string()
    .trim()
    .regex(/^(0[1-9]|1[0-2])\/(\d{2})$/, 'Use MM/YY')
    .refine((v) => {
      const [mm, yy] = v.split('/').map(Number)
      return new Date(2000 + (yy ?? 0), mm ?? 0, 1).getTime() > Date.now()
    }, 'The card has expired'),
  cvc: z
    .string()
    .trim()
    .regex(/^\d{3,4}$/, 'Enter the 3 or 4 digits on the back'),
  /** A promotion's coupon code, in any case; an empty form field means none. */
  couponCode: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z
      .string()
      .max(64, 'A coupon code is at most 64 characters')
      .transform(normaliseCode)
      .optional(),
  ),
})
export type CheckoutInput = z.output<typeof checkoutSchema>

/** An integrator's order: the checkout fields, and the lines to order instead of the cart's. */
export const orderRequestSchema = checkoutSchema.extend({
  items: z
    .array(
      z.strictObject({
        productId: z.string().trim().min(1).max(128),
        quantity: z.number().int('Order whole units').min(1, 'Order at least one').max(1000),
        /** The price the client saw; an order at a price that changed since is refused. */
        priceMinor: z.number().int().min(0).optional(),
      }),
    )
    .max(100)
    .optional(),
})
export type OrderRequest = z.output<typeof orderRequestSchema>

/** The lines to order, priced from the catalog: the request's, or else the shopper's cart. */
async function orderLines(
  db: Db,
  userId: string,
  input: OrderRequest,
): Promise<{ items: OrderItem[]; currency: string }> {
  if (!input.items) {
    const cart = await getCart(db, userId)
    if (cart.lines.length === 0) throw new EmptyCartError()
    const items = cart.lines.map(({ productId, name, priceMinor, quantity }) => ({
      productId,
      name,
      priceMinor,
      quantity,
    }))
    return { items, currency: cart.currency }
  }
  if (input.items.length === 0) throw new EmptyCartError()
  const known = new Map(
    (
      await productsByIds(
        db,
        input.items.map((i) => i.productId),
      )
    ).map((p) => [p.id, p]),
  )
  const errors: FieldError[] = []
  const lines: OrderItem[] = []
  input.items.forEach((item, i) => {
    const product = known.get(item.productId)
    if (!product) {
      errors.push({ field: `items[${i}].productId`, message: `No product ${item.productId}` })
      return
    }
    if (item.priceMinor !== undefined && item.priceMinor !== product.priceMinor) {
      errors.push({
        field: `items[${i}].priceMinor`,
        message: `The price is now ${product.priceMinor} (minor units)`,
      })
    }
    lines.push({
      productId: product.id,
      name: product.name,
      priceMinor: product.priceMinor,
      quantity: item.quantity,
    })
  })
  if (new Set(input.items.map((i) => i.productId)).size !== input.items.length)
    errors.push({ field: 'items', message: 'List each product once' })
  const currencies = new Set([...known.values()].map((p) => p.currency))
  if (currencies.size > 1)
    errors.push({ field: 'items', message: 'Order products of one currency at a time' })
  if (errors.length > 0) throw new ValidationError('The order is invalid', errors)
  return { items: lines, currency: [...currencies][0] as string }
}

/**
 * What an Idempotency-Key is bound to: the request, with the card as its token. A hash over the
 * card number would give the number away (there are few enough to try them all); the CVC is left
 * out altogether.
 */
function requestHash(input: OrderRequest, cardToken: string): string {
  const { cvc: _cvc, cardNumber: _number, ...rest } = input
  return new Bun.CryptoHasher('sha256').update(JSON.stringify({ ...rest, cardToken })).digest('hex')
}

/**
 * Places an order once per idempotency key and starts its saga: the order, its saga's first step,
 * the emptied cart (when the cart was ordered), the coupon's use (when one is given) and the events
 * (`order.created`, the payment authorization command, `coupon.redeemed`) commit together. A coupon
 * the order may not use is a 400 on `couponCode` before anything is written; a valid one takes its
 * discount off the total the payment step authorizes. The shopper's history gets its
 * `product.purchased` events when the order completes.
 * The same key with the same request returns the first order; with another request, a 409.
 * Stock is not checked here: the saga reserves it, and cancels with `out_of_stock` when it cannot.
 */
export async function placeOrder(
  db: Db,
  userId: string,
  key: string,
  input: OrderRequest,
  settings: SagaSettings,
): Promise<{ order: Order; created: boolean }> {
  const cardToken = tokenizeCard(input.cardNumber)
  const hash = requestHash(input, cardToken)
  const sameKey = async () => {
    const [existing] = await db
      .select()
      .from(orders)
      .where(and(eq(orders.userId, userId), eq(orders.idempotencyKey, key)))
    if (existing && existing.requestHash !== hash) throw new IdempotencyKeyReusedError()
    return existing
  }
  const existing = await sameKey()
  if (existing) return { order: existing, created: false }
  const { items, currency } = await orderLines(db, userId, input)
  const now = Date.now()
  const subtotalMinor = items.reduce((sum, l) => sum + l.priceMinor * l.quantity, 0)
  const coupon = input.couponCode
    ? { code: input.couponCode, userId, subtotalMinor, currency, now }
    : null
  // A bad coupon is refused here, before the order exists; `redeemCoupon` checks it again below.
  const quote: CouponQuote | null = coupon ? await quoteCoupon(db, coupon) : null
  // Past what the saga finishes, an order only waits in the queue until its steps time out: it is
  // refused now instead, with nothing written, so the shopper can send it again in a moment. The
  // limit is soft: orders checked at the same moment may pass it by as many as arrive together,
  // which is harmless; counting inside the write's transaction would cost every order the lock.
  const limit = settings.maxInFlight ?? 0
  if (limit > 0 && (await sagasInFlight(db, limit)) >= limit) throw new OrdersBusyError()
  const order: Order = {
    id: Bun.randomUUIDv7(),
    userId,
    idempotencyKey: key,
    requestHash: hash,
    correlationId: Bun.randomUUIDv7(),
    status: 'placed',
    items: items.map(({ productId, name, priceMinor, quantity }) => ({
      productId,
      name,
      priceMinor,
      quantity,
    })),
    // The payment step authorizes this: the discounted total.
    totalMinor: subtotalMinor - (quote?.discountMinor ?? 0),
    couponCode: quote?.code ?? null,
    discountMinor: quote?.discountMinor ?? 0,
    currency,
    address: {
      name: input.name,
      street: input.street,
      city: input.city,
      postalCode: input.postalCode,
      country: input.country,
    },
    cardLast4: input.cardNumber.slice(-4),
    cardToken,
    createdAt: now,
  }
  const start = startSaga(order.id, now, settings)
  order.status = start.state.status
  const saga = sagaStart(order, start, now)
  const write = (writer: Writer) =>
    commit(
      writer,
      (w) => [
        w.insert(orders).values(order),
        ...saga.statements(w),
        ...(input.items ? [] : [emptyCartStatement(w, userId)]),
      ],
      saga.events,
    )
  try {
    // An order with a coupon takes its use in the same transaction: an order refused the last use
    // (another took it meanwhile) leaves nothing behind. One without stays a single batch.
    if (coupon) {
      await db.transaction(async (tx) => {
        await redeemCoupon(tx, { ...coupon, orderId: order.id })
        await write(tx)
      })
    } else {
      await write(db)
    }
  } catch (error) {
    // The same key twice at once: the unique index lets one through; the other gets that order.
    const raced = await sameKey()
    if (raced) return { order: raced, created: false }
    throw error
  }
  return { order, created: true }
}

export async function getOrder(db: Db, userId: string, orderId: string): Promise<Order> {
  const [order] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.id, orderId), eq(orders.userId, userId)))
  if (!order) throw new NotFoundError('No such order')
  return order
}

export async function listOrders(db: Db, userId: string): Promise<Order[]> {
  return db
    .select()
    .from(orders)
    .where(eq(orders.userId, userId))
    .orderBy(desc(orders.createdAt))
    .limit(100)
}

/**
 * Whether the user has bought the product, in an order the saga completed: only buyers may review
 * it. An order still under way, or cancelled (a declined card, no stock), is not a purchase.
 */
export async function hasBought(db: Db, userId: string, productId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: orders.id })
    .from(orders)
    .where(
      and(
        eq(orders.userId, userId),
        eq(orders.status, 'completed'),
        sql`exists (select 1 from json_each(${orders.items}) where json_extract(value, '$.productId') = ${productId})`,
      ),
    )
    .limit(1)
  return row !== undefined
}
