// The admin's Overview tab: the range's revenue, orders, users and products against the period
// before, shoppers active now, the last 30 days, the latest orders — live, re-read every second.
import { Hono } from 'hono'
import type { VisitorEnv } from '../../../services/accounts/index.ts'
import {
  activeUsers,
  type EventRate,
  eventsPerSecond,
  overview,
  recentOrders,
  trend,
} from '../../../services/analytics/index.ts'
import type { Db } from '../../../shared/db/client.ts'
import { parseDayRange } from '../../../shared/http/day-range.ts'
import { type OverviewHistory, OverviewPage } from './overview-views.tsx'
import { rangePart } from './range-part.ts'

const DAY_MS = 86_400_000
const MINUTE_MS = 60_000

/** The live events/s chart's window: the last 30 minutes, a point a second. */
export function lastHalfHourRate(db: Db, now = Date.now()): Promise<EventRate> {
  return eventsPerSecond(db, { from: now - 30 * MINUTE_MS, to: now })
}

/** Shoppers with any event in the last 5 minutes (this one and the 4 before). */
export function activeNow(db: Db, now = Date.now()): Promise<number> {
  const minute = Math.floor(now / MINUTE_MS) * MINUTE_MS
  return activeUsers(db, { from: minute - 4 * MINUTE_MS, to: minute + MINUTE_MS })
}

/** The last 30 days and the latest orders, whatever the range. */
export async function overviewHistory(db: Db, now = Date.now()): Promise<OverviewHistory> {
  const tomorrow = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS
  const [last30, recent] = await Promise.all([
    trend(db, { from: tomorrow - 30 * DAY_MS, to: tomorrow }, 'day', [
      'revenueMinor',
      'ordersPlaced',
      'ordersCompleted',
    ]),
    recentOrders(db, 10),
  ])
  return { trend: last30, recent }
}

export function adminOverviewPages(deps: { db: Db }): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
  app.get('/admin/overview', async (c) => {
    const range = parseDayRange(c.req.query())
    const [figures, active, history, rate] = await Promise.all([
      overview(deps.db, range),
      activeNow(deps.db),
      overviewHistory(deps.db),
      lastHalfHourRate(deps.db),
    ])
    return c.html(
      <OverviewPage
        visitor={c.get('visitor')}
        range={range.days}
        overview={figures}
        activeNow={active}
        history={history}
        rate={rate}
        live={rangePart('admin-overview', range)}
      />,
    )
  })
  return app
}
