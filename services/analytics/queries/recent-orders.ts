// The latest orders, newest first, as far as analytics has heard of them.
import { desc, isNotNull } from 'drizzle-orm'
import type { Db } from '../../../shared/db/client.ts'
import { analyticsOrders, type OrderOutcome } from '../schema.ts'

export interface RecentOrder {
  orderId: string
  /** The shopper's pseudonym (analytics keeps no user id). */
  userHash: string | null
  /** `placed` until analytics heard how it ended. */
  status: OrderOutcome
  createdAt: number
  completedAt: number | null
  cancelledAt: number | null
  totalMinor: number
  currency: string
  /** Units over all its lines. */
  units: number
  lines: number
}

/** The `limit` orders created last (by their creation's event time). */
export async function recentOrders(db: Db, limit = 10): Promise<RecentOrder[]> {
  const t = analyticsOrders
  const rows = await db
    .select()
    .from(t)
    .where(isNotNull(t.createdAt))
    .orderBy(desc(t.createdAt), desc(t.orderId))
    .limit(Math.max(0, Math.min(limit, 500)))
  return rows.map((r) => ({
    orderId: r.orderId,
    userHash: r.userHash,
    status: r.status,
    createdAt: r.createdAt ?? 0,
    completedAt: r.completedAt,
    cancelledAt: r.cancelledAt,
    totalMinor: r.totalMinor ?? 0,
    currency: r.currency ?? '',
    units: (r.items ?? []).reduce((n, i) => n + i.quantity, 0),
    lines: (r.items ?? []).length,
  }))
}
