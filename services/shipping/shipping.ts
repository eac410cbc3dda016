// Shipments: one per order, created when the carrier booked it and cancelled when the saga
// compensates. Writes go through the consumer's transaction; queries read the database.
import { and, eq, sql } from 'drizzle-orm'
import type { Db, Tx } from '../../shared/db/client.ts'
import { type Shipment, shipments } from './schema.ts'

export interface NewShipment {
  /** The carrier's tracking id: the shop and the carrier name the parcel alike. */
  id: string
  orderId: string
  userId: string
  address: Record<string, string>
  items: { productId: string; quantity: number }[]
}

/**
 * Records an order's shipment as created. An order has at most one: a second creation for it
 * (another command, another replica) returns the shipment it already has, unchanged.
 */
export async function createShipment(tx: Tx, shipment: NewShipment): Promise<Shipment> {
  await tx
    .insert(shipments)
    .values({ ...shipment, status: 'created', createdAt: Date.now() })
    .onConflictDoNothing({ target: shipments.orderId })
  const [row] = await tx.select().from(shipments).where(eq(shipments.orderId, shipment.orderId))
  if (!row) throw new Error(`The shipment of order ${shipment.orderId} was not recorded`)
  return row
}

/**
 * Cancels an order's shipment. An order without one (the carrier refused it, or it never got that
 * far) or with one already cancelled has nothing to undo: both are no-ops, so compensation can
 * always ask. Returns whether a shipment changed.
 */
export async function cancelShipment(tx: Tx, orderId: string): Promise<boolean> {
  const cancelled = await tx
    .update(shipments)
    .set({ status: 'cancelled', cancelledAt: Date.now() })
    .where(and(eq(shipments.orderId, orderId), eq(shipments.status, 'created')))
    .returning({ id: shipments.id })
  return cancelled.length > 0
}

/** An order's shipment, or null when it has none. */
export async function shipmentOf(db: Db, orderId: string): Promise<Shipment | null> {
  const [row] = await db.select().from(shipments).where(eq(shipments.orderId, orderId))
  return row ?? null
}

/** How many shipments are live and how many were cancelled. */
export async function shipmentCounts(db: Db): Promise<{ created: number; cancelled: number }> {
  const rows = await db
    .select({ status: shipments.status, n: sql<number>`count(*)` })
    .from(shipments)
    .groupBy(shipments.status)
  const count = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0)
  return { created: count('created'), cancelled: count('cancelled') }
}
