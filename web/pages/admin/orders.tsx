// The admin's Orders tab: a range's orders (today's unless asked), revenue, average order and
// top sellers, live, with the same figures as CSV from the analytics API.
import { Hono } from 'hono'
import type { VisitorEnv } from '../../../services/accounts/index.ts'
import {
  type OrdersSummary,
  ordersSummary,
  previousPeriod,
} from '../../../services/analytics/index.ts'
import { productsByIds } from '../../../services/catalog/index.ts'
import type { Db } from '../../../shared/db/client.ts'
import { parseDayRange } from '../../../shared/http/day-range.ts'
import { OrdersPage } from './orders-views.tsx'
import { comparing, type RangeOptions, rangePart } from './range-part.ts'

/** The range's summary with the top sellers' names, and the previous period's when comparing. */
export async function ordersWithNames(
  db: Db,
  range: { from: number; to: number },
  options: RangeOptions = { compare: false },
): Promise<{ summary: OrdersSummary; names: Map<string, string>; previous?: OrdersSummary }> {
  const [summary, previous] = await Promise.all([
    ordersSummary(db, range),
    options.compare ? ordersSummary(db, previousPeriod(range)) : undefined,
  ])
  const products = await productsByIds(
    db,
    summary.topSellers.map((p) => p.productId),
  )
  return { summary, names: new Map(products.map((p) => [p.id, p.name])), previous }
}

export function adminOrdersPages(deps: { db: Db }): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
  app.get('/admin/orders', async (c) => {
    const query = c.req.query()
    // Today's orders unless a range is asked for.
    const today = new Date().toISOString().slice(0, 10)
    const range = parseDayRange({ from: query.from ?? query.to ?? today, to: query.to ?? today })
    const options = comparing(query)
    const { summary, names, previous } = await ordersWithNames(deps.db, range, options)
    return c.html(
      <OrdersPage
        visitor={c.get('visitor')}
        range={range.days}
        summary={summary}
        names={names}
        previous={previous}
        live={rangePart('admin-orders', range, options)}
      />,
    )
  })
  return app
}
