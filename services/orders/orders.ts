import { and, desc, eq } from 'drizzle-orm'
import { z } from 'zod'
import { commit } from '../../shared/bus/commit.ts'
import type { Db } from '../../shared/db/client.ts'
import { AppError, NotFoundError } from '../../shared/errors.ts'
import { createEvent } from '../../shared/events/envelope.ts'
import { emptyCartStatement, getCart } from '../carts/index.ts'
import { type Order, orders } from './schema.ts'

const SOURCE = '/streamshop/orders'

export class EmptyCartError extends AppError {
  constructor() {
    super('Your cart is empty', { code: 'EMPTY_CART', status: 422 })
  }
}

export class OutOfStockError extends AppError {
  constructor(name: string) {
    super(`Not enough of “${name}” in stock any more; change the quantity in your cart`, {
      code: 'OUT_OF_STOCK',
      status: 409,
    })
  }
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
})
export type CheckoutInput = z.output<typeof checkoutSchema>

/**
 * Places the user's cart as an order, once per idempotency key: the order, the emptied cart and
 * the events (`order.created`, and `product.purchased` per line for the shopper's history) commit
 * together. Until the saga lands the order stays `placed`.
 */
export async function placeOrder(
  db: Db,
  userId: string,
  key: string,
  input: CheckoutInput,
): Promise<{ order: Order; created: boolean }> {
  const [existing] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.userId, userId), eq(orders.idempotencyKey, key)))
  if (existing) return { order: existing, created: false }
  const cart = await getCart(db, userId)
  if (cart.lines.length === 0) throw new EmptyCartError()
  for (const line of cart.lines)
    if (line.quantity > line.stock) throw new OutOfStockError(line.name)
  const order: Order = {
    id: Bun.randomUUIDv7(),
    userId,
    idempotencyKey: key,
    status: 'placed',
    items: cart.lines.map((l) => ({
      productId: l.productId,
      name: l.name,
      priceMinor: l.priceMinor,
      quantity: l.quantity,
    })),
    totalMinor: cart.totalMinor,
    currency: cart.currency,
    address: {
      name: input.name,
      street: input.street,
      city: input.city,
      postalCode: input.postalCode,
      country: input.country,
    },
    cardLast4: input.cardNumber.slice(-4),
    createdAt: Date.now(),
  }
  const events = [
    createEvent(
      'order.created',
      {
        orderId: order.id,
        userId,
        items: order.items.map(({ productId, quantity, priceMinor }) => ({
          productId,
          quantity,
          priceMinor,
        })),
        totalMinor: order.totalMinor,
        currency: order.currency,
        metadata: {},
      },
      { source: SOURCE },
    ),
    ...order.items.map((item) =>
      createEvent(
        'product.purchased',
        {
          userId,
          productId: item.productId,
          orderId: order.id,
          quantity: item.quantity,
          metadata: {},
        },
        { source: SOURCE },
      ),
    ),
  ]
  try {
    await commit(db, (w) => [w.insert(orders).values(order), emptyCartStatement(w, userId)], events)
  } catch (error) {
    // The same key twice at once: the unique index lets one through; the other gets that order.
    const [raced] = await db
      .select()
      .from(orders)
      .where(and(eq(orders.userId, userId), eq(orders.idempotencyKey, key)))
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

/** Whether the user has ordered the product: only buyers may review it. */
export async function hasBought(db: Db, userId: string, productId: string): Promise<boolean> {
  return (await listOrders(db, userId)).some((o) => o.items.some((i) => i.productId === productId))
}
