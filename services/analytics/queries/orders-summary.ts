// The Orders tab: orders and revenue over a range (today's, say), the average order value and
// the top sellers.
import type { Db } from '../../../shared/db/client.ts'
import type { TimeRange } from '../buckets.ts'
import { averageOrderValue, totalsOf } from './figures.ts'
import { type ProductFigures, topSellers } from './products-table.ts'

export interface OrdersSummary {
  range: TimeRange
  placed: number
  completed: number
  cancelled: number
  /** Completed orders' totals less refunds of them, minor units. */
  revenueMinor: number
  /** Money refunded (of any order, completed or not). */
  refundedMinor: number
  /** Money captured from shoppers' cards. */
  capturedMinor: number
  /** Revenue ÷ completed orders; null without any. */
  averageOrderValueMinor: number | null
  /** Most units sold in completed orders, over the range's whole UTC days. */
  topSellers: ProductFigures[]
}

/**
 * Orders over a range. Counts and revenue are exact to the minute; top sellers cover the range's
 * whole UTC days (products are rolled up per day).
 */
export async function ordersSummary(
  db: Db,
  range: TimeRange,
  opts: { top?: number } = {},
): Promise<OrdersSummary> {
  const [totals, top] = await Promise.all([
    totalsOf(db, range),
    topSellers(db, range, opts.top ?? 10),
  ])
  return {
    range,
    placed: totals.ordersPlaced,
    completed: totals.ordersCompleted,
    cancelled: totals.ordersCancelled,
    revenueMinor: totals.revenueMinor,
    refundedMinor: totals.refundedMinor,
    capturedMinor: totals.capturedMinor,
    averageOrderValueMinor: averageOrderValue(totals),
    topSellers: top,
  }
}
