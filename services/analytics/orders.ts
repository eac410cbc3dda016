// What analytics knows of each order, and when it rolls an order up. Its events come on two
// topics and may arrive in any order (a completion before its creation, after a rebuild from a
// point between them, or when order-events lags): each fact is kept on the order's row, and a
// completed order counts — once — when both its creation (the total, the lines) and its
// completion (the bucket it counts in) are known.
import { eq } from 'drizzle-orm'
import type { Tx } from '../../shared/db/client.ts'
import type { OrderFact } from './effects.ts'
import { addToBuckets, addToProductDay } from './rollups.ts'
import { type AnalyticsOrder, analyticsOrders, type OrderLine } from './schema.ts'

/** One product's part of a completed order. */
export interface ProductShare {
  productId: string
  units: number
  revenueMinor: number
}

/**
 * Splits an order's total (what was charged, after any discount) over its products in proportion
 * to their lines' value, in whole minor units that add up to the total exactly.
 */
export function shareRevenue(items: readonly OrderLine[], totalMinor: number): ProductShare[] {
  const byProduct = new Map<string, { units: number; value: number }>()
  for (const item of items) {
    const seen = byProduct.get(item.productId) ?? { units: 0, value: 0 }
    seen.units += item.quantity
    seen.value += item.quantity * item.priceMinor
    byProduct.set(item.productId, seen)
  }
  const lines = [...byProduct].map(([productId, l]) => ({ productId, ...l }))
  const value = lines.reduce((sum, l) => sum + l.value, 0)
  const shares = lines.map((l) => ({
    productId: l.productId,
    units: l.units,
    revenueMinor: value === 0 ? 0 : Math.floor((l.value * totalMinor) / value),
  }))
  // What rounding left over goes to the first line, so the shares add up to the total.
  const first = shares[0]
  if (first) first.revenueMinor += totalMinor - shares.reduce((s, l) => s + l.revenueMinor, 0)
  return shares
}

async function orderOf(tx: Tx, orderId: string): Promise<AnalyticsOrder | undefined> {
  const [row] = await tx.select().from(analyticsOrders).where(eq(analyticsOrders.orderId, orderId))
  return row
}

type OrderPatch = Partial<Omit<AnalyticsOrder, 'orderId'>>

/** Creates the order's row with what is known, or adds to the row that is there. */
async function record(tx: Tx, orderId: string, patch: OrderPatch): Promise<void> {
  await tx
    .insert(analyticsOrders)
    .values({ orderId, status: 'placed', ...patch })
    .onConflictDoUpdate({ target: analyticsOrders.orderId, set: patch })
}

/** Records one fact of an order, and rolls up what that fact completes. */
export async function applyOrderFact(tx: Tx, at: number, fact: OrderFact): Promise<void> {
  const known = await orderOf(tx, fact.orderId)
  switch (fact.kind) {
    case 'created': {
      // A second creation of one order (another event id) adds nothing.
      if (known?.createdAt != null) return
      const { userHash, totalMinor, currency, discountMinor, items } = fact
      await record(tx, fact.orderId, {
        userHash,
        createdAt: at,
        totalMinor,
        currency,
        discountMinor,
        items,
      })
      await addToBuckets(tx, at, { ordersPlaced: 1 })
      break
    }
    case 'completed':
    case 'cancelled': {
      // The first end known is the order's end: a repeated status update changes nothing.
      if (known && known.status !== 'placed') return
      const when = fact.kind === 'completed' ? { completedAt: at } : { cancelledAt: at }
      await record(tx, fact.orderId, {
        userHash: known?.userHash ?? fact.userHash,
        status: fact.kind,
        ...when,
      })
      if (fact.kind === 'cancelled') await addToBuckets(tx, at, { ordersCancelled: 1 })
      break
    }
    case 'captured': {
      if (known?.capturedMinor != null) return
      await record(tx, fact.orderId, { capturedMinor: fact.amountMinor })
      await addToBuckets(tx, at, { capturedMinor: fact.amountMinor })
      break
    }
    case 'refunded': {
      // Each answer says how much stands refunded in all, not how much more: the largest counts.
      const before = known?.refundedMinor ?? 0
      if (fact.amountMinor <= before) return
      await record(tx, fact.orderId, {
        refundedMinor: fact.amountMinor,
        refundedAt: known?.refundedAt ?? at,
      })
      await addToBuckets(tx, at, { refundedMinor: fact.amountMinor - before })
      break
    }
  }
  await settle(tx, fact.orderId)
}

/**
 * Rolls up what the order's facts now allow: its completion once both creation and completion
 * are known (count, revenue, each product's units and share, in the completion's minute and day),
 * and then any refund not yet taken off the revenue (in the refund's minute and day).
 */
async function settle(tx: Tx, orderId: string): Promise<void> {
  const order = await orderOf(tx, orderId)
  if (!order) return
  let counted = order.counted
  if (!counted && order.createdAt != null && order.completedAt != null) {
    const total = order.totalMinor ?? 0
    const at = order.completedAt
    await addToBuckets(tx, at, { ordersCompleted: 1, revenueMinor: total })
    for (const share of shareRevenue(order.items ?? [], total)) {
      const { units, revenueMinor } = share
      await addToProductDay(tx, at, share.productId, { orders: 1, units, revenueMinor })
    }
    counted = true
    await record(tx, orderId, { counted })
  }
  const refund = (order.refundedMinor ?? 0) - order.refundCountedMinor
  if (counted && refund > 0 && order.refundedAt != null) {
    await addToBuckets(tx, order.refundedAt, { revenueMinor: -refund })
    await record(tx, orderId, { refundCountedMinor: order.refundedMinor ?? 0 })
  }
}
