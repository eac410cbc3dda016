// The baseline of `bun run bench saga`: the saga's steps run one after the other inside the
// request, as a shop without a bus would do it. Same validation, the same simulated provider and
// carrier (same latencies), the same payments, inventory and shipping functions on the same
// tables; no saga state, no step history, no events. The provider's and the carrier's waits happen
// outside transactions, as the participants do them, so the write lock is never held across one.
import { zValidator } from '@hono/zod-validator'
import { and, eq } from 'drizzle-orm'
import { Hono } from 'hono'
import type { VisitorEnv } from '../services/accounts/index.ts'
import { productsByIds } from '../services/catalog/index.ts'
import { releaseStock, reserveStock } from '../services/inventory/inventory.ts'
import { orderRequestSchema } from '../services/orders/index.ts'
import { orders } from '../services/orders/schema.ts'
import { type PaymentProvider, tokenizeCard } from '../services/payments/index.ts'
import { authorizePayment, capturePayment, voidPayment } from '../services/payments/payments.ts'
import type { Carrier } from '../services/shipping/index.ts'
import { createShipment } from '../services/shipping/shipping.ts'
import type { Db, Tx } from '../shared/db/client.ts'
import { AppError, ValidationError } from '../shared/errors.ts'

/** Where the baseline answers; the shop's own middleware (session, CSRF) runs before it. */
export const BASELINE_PATH = '/bench/sync-orders'

export interface BaselineDeps {
  db: Db
  provider: PaymentProvider
  carrier: Carrier
}

type Input = ReturnType<typeof orderRequestSchema.parse>

/** The order's lines priced from the catalog; unknown products and stale prices are a 400. */
async function price(db: Db, input: Input) {
  const wanted = input.items ?? []
  if (wanted.length === 0) throw new ValidationError('The order is invalid', [])
  const known = new Map(
    (
      await productsByIds(
        db,
        wanted.map((i) => i.productId),
      )
    ).map((p) => [p.id, p]),
  )
  const items = wanted.map((item, i) => {
    const product = known.get(item.productId)
    if (!product || (item.priceMinor !== undefined && item.priceMinor !== product.priceMinor))
      throw new ValidationError('The order is invalid', [
        { field: `items[${i}]`, message: `No product ${item.productId} at that price` },
      ])
    return {
      productId: product.id,
      name: product.name,
      priceMinor: product.priceMinor,
      quantity: item.quantity,
    }
  })
  const currency = known.get(items[0]?.productId ?? '')?.currency ?? 'EUR'
  return { items, currency, totalMinor: items.reduce((s, l) => s + l.priceMinor * l.quantity, 0) }
}

function cancel(tx: Tx, orderId: string) {
  return tx.update(orders).set({ status: 'cancelled' }).where(eq(orders.id, orderId))
}

/**
 * One order, every step before the answer: validate, authorize, reserve, book the shipment,
 * capture, completed — or cancelled, with what was done undone. Answers 200 with the final status.
 */
async function placeSynchronously(deps: BaselineDeps, userId: string, key: string, input: Input) {
  const { db, provider, carrier } = deps
  const [earlier] = await db
    .select({ id: orders.id, status: orders.status })
    .from(orders)
    .where(and(eq(orders.userId, userId), eq(orders.idempotencyKey, key)))
  if (earlier) return { orderId: earlier.id, status: earlier.status }
  const { items, currency, totalMinor } = await price(db, input)
  const cardToken = tokenizeCard(input.cardNumber)
  const orderId = Bun.randomUUIDv7()
  const ref = { orderId, correlationId: orderId }
  const voidCommand = { ...ref, commandId: `${orderId}/void_payment` }
  const lines = items.map(({ productId, quantity }) => ({ productId, quantity }))
  const address = {
    name: input.name,
    street: input.street,
    city: input.city,
    postalCode: input.postalCode,
    country: input.country,
  }
  const call = {
    key: `${orderId}/authorize_payment`,
    token: cardToken,
    amountMinor: totalMinor,
    currency,
  }
  const authorization = await provider.authorize(call)
  const held = await db.transaction(async (tx): Promise<'declined' | 'out_of_stock' | 'held'> => {
    await tx.insert(orders).values({
      id: orderId,
      userId,
      idempotencyKey: key,
      correlationId: orderId,
      status: 'placed',
      items,
      totalMinor,
      currency,
      address,
      cardLast4: input.cardNumber.slice(-4),
      cardToken,
      createdAt: Date.now(),
    })
    const command = {
      ...ref,
      commandId: call.key,
      userId,
      cardToken,
      amountMinor: totalMinor,
      currency,
    }
    const paid = await authorizePayment(tx, command, authorization)
    if (paid.type !== 'payment.authorized') {
      await cancel(tx, orderId)
      return 'declined'
    }
    const stock = await reserveStock(tx, orderId, lines)
    if (stock.ok) return 'held'
    await voidPayment(tx, voidCommand)
    await cancel(tx, orderId)
    return 'out_of_stock'
  })
  const cancelled = { orderId, status: 'cancelled' as const }
  if (held === 'declined') return cancelled
  if (held === 'out_of_stock') {
    await provider.void({ key: voidCommand.commandId })
    return cancelled
  }
  const booking = await carrier.book({ key: orderId, address, items: lines })
  if (!booking.ok) {
    await provider.void({ key: voidCommand.commandId })
    await db.transaction(async (tx) => {
      await releaseStock(tx, orderId)
      await voidPayment(tx, voidCommand)
      await cancel(tx, orderId)
    })
    return cancelled
  }
  await provider.capture({ key: `${orderId}/capture_payment` })
  await db.transaction(async (tx) => {
    await createShipment(tx, { id: booking.trackingId, orderId, userId, address, items: lines })
    await capturePayment(tx, {
      ...ref,
      commandId: `${orderId}/capture_payment`,
      amountMinor: totalMinor,
      currency,
    })
    await tx.update(orders).set({ status: 'completed' }).where(eq(orders.id, orderId))
  })
  return { orderId, status: 'completed' as const }
}

/** `POST /bench/sync-orders`: the body and headers of `POST /api/orders`, answered when done. */
export function baselineRoutes(deps: BaselineDeps): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
  app.post(BASELINE_PATH, zValidator('json', orderRequestSchema), async (c) => {
    const user = c.get('visitor').user
    if (!user)
      throw new AppError('Log in to place orders', { code: 'UNAUTHENTICATED', status: 401 })
    const key = c.req.header('idempotency-key') ?? ''
    if (key.length < 8) throw new ValidationError('Send an Idempotency-Key header', [])
    return c.json(await placeSynchronously(deps, user.id, key, c.req.valid('json')))
  })
  return app
}
