import { and, eq, gte, inArray, sql } from 'drizzle-orm'
import type { Db, Tx, Writer } from '../../shared/db/client.ts'
import { stockLevels, stockReservations } from './schema.ts'

/** A quantity of one product, as an order's lines and its reservation carry them. */
export interface StockLine {
  productId: string
  quantity: number
}

/** What reserving an order's lines came to: all of them held, or none and the first one short. */
export type ReservationResult =
  | { ok: true }
  | { ok: false; productId: string; reason: 'out_of_stock' }

export interface StockLevel {
  productId: string
  available: number
  reserved: number
}

export type StockReservation = typeof stockReservations.$inferSelect

/** Thrown inside the reservation's savepoint to undo the lines already moved. */
class Shortfall extends Error {
  constructor(readonly productId: string) {
    super(`Not enough stock of ${productId}`)
  }
}

/**
 * Holds every line of an order, or none. Each line moves its units from available to reserved in
 * one conditional update, so stock can neither go negative nor be sold twice, whoever else reserves
 * at the same moment (another process included). The lines run inside a savepoint: when one is
 * short, the ones before it are rolled back and the caller's transaction (the consumer's, which also
 * records the answer) goes on with nothing held. An order that already holds its stock is answered
 * as reserved without moving more; a product inventory has never heard of is out of stock.
 */
export async function reserveStock(
  tx: Tx,
  orderId: string,
  items: readonly StockLine[],
): Promise<ReservationResult> {
  const [held] = await tx
    .select({ productId: stockReservations.productId })
    .from(stockReservations)
    .where(and(eq(stockReservations.orderId, orderId), eq(stockReservations.status, 'held')))
    .limit(1)
  if (held) return { ok: true }
  const now = Date.now()
  try {
    await tx.transaction(async (savepoint) => {
      for (const { productId, quantity } of mergeLines(items)) {
        const moved = await savepoint
          .update(stockLevels)
          .set({
            available: sql`${stockLevels.available} - ${quantity}`,
            reserved: sql`${stockLevels.reserved} + ${quantity}`,
            updatedAt: now,
          })
          .where(and(eq(stockLevels.productId, productId), gte(stockLevels.available, quantity)))
          .returning({ productId: stockLevels.productId })
        if (moved.length === 0) throw new Shortfall(productId)
        // An order released earlier (cancelled, then placed again under the same id) holds anew.
        await savepoint
          .insert(stockReservations)
          .values({ orderId, productId, quantity, status: 'held', reservedAt: now })
          .onConflictDoUpdate({
            target: [stockReservations.orderId, stockReservations.productId],
            set: { quantity, status: 'held', reservedAt: now, releasedAt: null },
          })
      }
    })
    return { ok: true }
  } catch (error) {
    if (error instanceof Shortfall)
      return { ok: false, productId: error.productId, reason: 'out_of_stock' }
    throw error
  }
}

/** One line per product: the reservation's key is the order and the product. */
function mergeLines(items: readonly StockLine[]): StockLine[] {
  const merged = new Map<string, number>()
  for (const { productId, quantity } of items)
    merged.set(productId, (merged.get(productId) ?? 0) + quantity)
  return [...merged].map(([productId, quantity]) => ({ productId, quantity }))
}

/**
 * Gives a cancelled order's held units back to available. The reservations flip from held to
 * released in one statement that returns only the rows it flipped, so a second release (or one for
 * an order that never held anything) returns nothing and moves nothing.
 */
export async function releaseStock(tx: Tx, orderId: string): Promise<StockLine[]> {
  const released = await tx
    .update(stockReservations)
    .set({ status: 'released', releasedAt: Date.now() })
    .where(and(eq(stockReservations.orderId, orderId), eq(stockReservations.status, 'held')))
    .returning({ productId: stockReservations.productId, quantity: stockReservations.quantity })
  for (const { productId, quantity } of released) {
    await tx
      .update(stockLevels)
      .set({
        available: sql`${stockLevels.available} + ${quantity}`,
        reserved: sql`${stockLevels.reserved} - ${quantity}`,
        updatedAt: Date.now(),
      })
      .where(eq(stockLevels.productId, productId))
  }
  return released
}

/**
 * Sets how many units of a product can still be sold (the catalog's count), leaving what orders
 * hold as it is. One statement, so any writer will do.
 */
export async function setStock(w: Writer, productId: string, available: number): Promise<void> {
  const now = Date.now()
  await w
    .insert(stockLevels)
    .values({ productId, available, reserved: 0, updatedAt: now })
    .onConflictDoUpdate({ target: stockLevels.productId, set: { available, updatedAt: now } })
}

/** Starts counting a product inventory has not heard of; a known product keeps its count. */
export async function addStock(w: Writer, productId: string, available: number): Promise<void> {
  await w
    .insert(stockLevels)
    .values({ productId, available, reserved: 0, updatedAt: Date.now() })
    .onConflictDoNothing()
}

/** Units that can still be sold, for each product asked about that inventory knows. */
export async function availableStock(
  db: Db | Tx,
  productIds: readonly string[],
): Promise<Map<string, number>> {
  if (productIds.length === 0) return new Map()
  const rows = await db
    .select({ productId: stockLevels.productId, available: stockLevels.available })
    .from(stockLevels)
    .where(inArray(stockLevels.productId, [...new Set(productIds)]))
  return new Map(rows.map((row) => [row.productId, row.available]))
}

/** A product's stock, or null when inventory has never heard of it. */
export async function stockOf(db: Db | Tx, productId: string): Promise<StockLevel | null> {
  const [row] = await db
    .select({
      productId: stockLevels.productId,
      available: stockLevels.available,
      reserved: stockLevels.reserved,
    })
    .from(stockLevels)
    .where(eq(stockLevels.productId, productId))
  return row ?? null
}

/** What an order holds or held, one row per product. */
export function reservationsOf(db: Db | Tx, orderId: string): Promise<StockReservation[]> {
  return db
    .select()
    .from(stockReservations)
    .where(eq(stockReservations.orderId, orderId))
    .orderBy(stockReservations.productId)
}
