// The dashboard's overview: the shop's headline figures over a range, each against the period
// just before it (of the same length).
import type { Db } from '../../../shared/db/client.ts'
import { previousPeriod, type TimeRange } from '../buckets.ts'
import {
  activeUsers,
  averageOrderValue,
  type Figure,
  figure,
  ratio,
  type Totals,
  totalsOf,
} from './figures.ts'

export interface Overview {
  range: TimeRange
  /** The period compared with, or null when comparing was turned off. */
  previousRange: TimeRange | null
  /** Completed orders' totals less refunds of them, in minor units (completion's time). */
  revenueMinor: Figure
  ordersPlaced: Figure
  ordersCompleted: Figure
  ordersCancelled: Figure
  /** Revenue ÷ completed orders, in minor units (0 without any). */
  averageOrderValueMinor: Figure
  usersRegistered: Figure
  /** Distinct pseudonymous users with any event in the period. */
  activeUsers: Figure
  /** `product.viewed` events. */
  productViews: Figure
  cartAdds: Figure
  searches: Figure
  recommendationClicks: Figure
  /** `product.purchased` events (one per product line bought). */
  purchases: Figure
  /** Completed orders ÷ active users (0 without any). */
  conversionRate: Figure
}

interface Snapshot {
  totals: Totals
  active: number
}

async function snapshot(db: Db, range: TimeRange): Promise<Snapshot> {
  const [totals, active] = await Promise.all([totalsOf(db, range), activeUsers(db, range)])
  return { totals, active }
}

/**
 * The overview over `range`, each figure with the previous period's value and the change.
 *
 * @example
 * const day = 86_400_000, today = Math.floor(Date.now() / day) * day
 * await overview(db, { from: today - 29 * day, to: today + day })
 */
export async function overview(
  db: Db,
  range: TimeRange,
  opts: { compare?: boolean } = {},
): Promise<Overview> {
  const compare = opts.compare ?? true
  const previousRange = compare ? previousPeriod(range) : null
  const [now, before] = await Promise.all([
    snapshot(db, range),
    previousRange ? snapshot(db, previousRange) : null,
  ])
  const of = (pick: (s: Snapshot) => number) => figure(pick(now), before ? pick(before) : null)
  const counter = (k: keyof Totals) => of((s) => s.totals[k])
  return {
    range,
    previousRange,
    revenueMinor: counter('revenueMinor'),
    ordersPlaced: counter('ordersPlaced'),
    ordersCompleted: counter('ordersCompleted'),
    ordersCancelled: counter('ordersCancelled'),
    averageOrderValueMinor: of((s) => averageOrderValue(s.totals) ?? 0),
    usersRegistered: counter('usersRegistered'),
    activeUsers: of((s) => s.active),
    productViews: counter('productViews'),
    cartAdds: counter('cartAdds'),
    searches: counter('searches'),
    recommendationClicks: counter('recommendationClicks'),
    purchases: counter('purchases'),
    conversionRate: of((s) => ratio(s.totals.ordersCompleted, s.active) ?? 0),
  }
}
