import { and, eq, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { type Change, commit } from '../../shared/bus/commit.ts'
import type { Db, Writer } from '../../shared/db/client.ts'
import { AppError, NotFoundError } from '../../shared/errors.ts'
import { createEvent } from '../../shared/events/envelope.ts'
import { productsByIds } from '../catalog/index.ts'
import { cartItems } from './schema.ts'

const SOURCE = '/streamshop/carts'
export const MAX_QUANTITY = 99

export class QuantityError extends AppError {
  constructor(message: string) {
    super(message, { code: 'INVALID_QUANTITY', status: 422 })
  }
}

export interface CartLine {
  productId: string
  slug: string
  name: string
  imageHue: number
  priceMinor: number
  currency: string
  stock: number
  quantity: number
  lineTotalMinor: number
}

export interface Cart {
  lines: CartLine[]
  count: number
  totalMinor: number
  currency: string
}

/**
 * The cart with its products: its lines, then their products through the catalog's public query
 * (two queries, not a join into the catalog's tables). A product deleted since drops out.
 */
export async function getCart(db: Db, shopperId: string): Promise<Cart> {
  const items = await db
    .select({ productId: cartItems.productId, quantity: cartItems.quantity })
    .from(cartItems)
    .where(eq(cartItems.shopperId, shopperId))
    .orderBy(cartItems.addedAt)
  const ids = items.map((i) => i.productId)
  const byId = new Map((await productsByIds(db, ids)).map((p) => [p.id, p]))
  const lines = items.flatMap(({ productId, quantity }) => {
    const p = byId.get(productId)
    if (!p) return []
    const { slug, name, imageHue, priceMinor, currency, stock } = p
    const line = { productId, slug, name, imageHue, priceMinor, currency, stock, quantity }
    return [{ ...line, lineTotalMinor: priceMinor * quantity }]
  })
  return {
    lines,
    count: lines.reduce((n, l) => n + l.quantity, 0),
    totalMinor: lines.reduce((n, l) => n + l.lineTotalMinor, 0),
    currency: lines[0]?.currency ?? 'EUR',
  }
}

export async function cartCount(db: Db, shopperId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`coalesce(sum(${cartItems.quantity}), 0)` })
    .from(cartItems)
    .where(eq(cartItems.shopperId, shopperId))
  return Number(row?.n ?? 0)
}

/** Parses a quantity from a form: a whole number from 1 to the stock (and at most 99). */
export function checkQuantity(raw: unknown, stock: number): number {
  const text = String(raw ?? '').trim()
  if (!/^-?\d+$/.test(text)) throw new QuantityError('Enter a whole number')
  const quantity = Number(text)
  if (quantity < 1)
    throw new QuantityError('The quantity must be at least 1; use Remove to drop the item')
  if (quantity > Math.min(stock, MAX_QUANTITY)) {
    throw new QuantityError(
      stock === 0
        ? 'This product is out of stock'
        : `Only ${Math.min(stock, MAX_QUANTITY)} can be ordered`,
    )
  }
  return quantity
}

function lineOf(shopperId: string, productId: string) {
  return and(eq(cartItems.shopperId, shopperId), eq(cartItems.productId, productId))
}

async function productFor(db: Db, productId: string) {
  const [product] = await productsByIds(db, [productId])
  if (!product) throw new NotFoundError(`No product ${productId}`)
  return product
}

/** A cart event for one line; `metadata` says why when it is not the shopper's own doing. */
export function cartEvent(
  type: 'cart.item_added' | 'cart.updated' | 'cart.item_removed',
  shopperId: string,
  productId: string,
  quantity: number,
  metadata: Record<string, unknown> = {},
) {
  return createEvent(type, { userId: shopperId, productId, quantity, metadata }, { source: SOURCE })
}

/** Adds to the cart (on top of what is there), within stock; emits `cart.item_added`. */
export async function addToCart(
  db: Db,
  shopperId: string,
  productId: string,
  rawQuantity: unknown,
): Promise<void> {
  const product = await productFor(db, productId)
  const [line] = await db
    .select({ quantity: cartItems.quantity })
    .from(cartItems)
    .where(lineOf(shopperId, productId))
  const adding = checkQuantity(rawQuantity, product.stock)
  const total = checkQuantity(String((line?.quantity ?? 0) + adding), product.stock)
  await commit(
    db,
    (w) => [
      w
        .insert(cartItems)
        .values({ shopperId, productId, quantity: total, addedAt: Date.now() })
        .onConflictDoUpdate({
          target: [cartItems.shopperId, cartItems.productId],
          set: { quantity: total },
        }),
    ],
    [cartEvent('cart.item_added', shopperId, productId, adding)],
  )
}

/** Sets a line's quantity, within stock; emits `cart.updated`. Nothing changes on a bad quantity. */
export async function setQuantity(
  db: Db,
  shopperId: string,
  productId: string,
  rawQuantity: unknown,
): Promise<void> {
  const product = await productFor(db, productId)
  const quantity = checkQuantity(rawQuantity, product.stock)
  const where = lineOf(shopperId, productId)
  const [line] = await db.select().from(cartItems).where(where)
  if (!line) throw new NotFoundError('That product is not in your cart')
  await commit(db, (w) => [w.update(cartItems).set({ quantity }).where(where)], [
    cartEvent('cart.updated', shopperId, productId, quantity),
  ])
}

/** Removes a line; emits `cart.item_removed`. */
export async function removeFromCart(db: Db, shopperId: string, productId: string): Promise<void> {
  const where = lineOf(shopperId, productId)
  const [line] = await db.select().from(cartItems).where(where)
  if (!line) return
  await commit(db, (w) => [w.delete(cartItems).where(where)], [
    cartEvent('cart.item_removed', shopperId, productId, line.quantity),
  ])
}

/**
 * Moves a guest's cart into the user's at log-in (a sign-in hook: the change commits in the log-in
 * transaction). Quantities add up, capped by stock. The move is on the log as cart events: each
 * guest line `cart.item_removed` (key: the guest) and `cart.item_added` for what the user's line
 * gained (key: the user), so history rebuilt from the log agrees with the carts.
 */
export async function mergeGuestCart(db: Db, guestId: string, userId: string): Promise<Change> {
  const guest = await getCart(db, guestId)
  if (guest.lines.length === 0) return { statements: () => [], events: [] }
  const mine = new Map((await getCart(db, userId)).lines.map((l) => [l.productId, l.quantity]))
  const now = Date.now()
  const merged = guest.lines.map((l) => {
    const before = mine.get(l.productId) ?? 0
    return { line: l, before, quantity: Math.min(l.stock, MAX_QUANTITY, l.quantity + before) }
  })
  const reason = { reason: 'merged_at_login', guestId, userId }
  return {
    statements: (w) => [
      ...merged.map(({ line, quantity }) =>
        w
          .insert(cartItems)
          .values({ shopperId: userId, productId: line.productId, quantity, addedAt: now })
          .onConflictDoUpdate({
            target: [cartItems.shopperId, cartItems.productId],
            set: { quantity },
          }),
      ),
      w.delete(cartItems).where(eq(cartItems.shopperId, guestId)),
    ],
    events: [
      ...merged.map(({ line }) =>
        cartEvent('cart.item_removed', guestId, line.productId, line.quantity, reason),
      ),
      ...merged
        .filter(({ before, quantity }) => quantity > before)
        .map(({ line, before, quantity }) =>
          cartEvent('cart.item_added', userId, line.productId, quantity - before, reason),
        ),
    ],
  }
}

/** The statement that empties a shopper's cart, for a batch that places their order. */
export function emptyCartStatement(w: Writer, shopperId: string): BatchItem<'sqlite'> {
  return w.delete(cartItems).where(eq(cartItems.shopperId, shopperId))
}
