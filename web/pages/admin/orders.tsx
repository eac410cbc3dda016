// The admin's Orders tab: a range's orders (today's unless asked), revenue, average order and
// top sellers, live, with the same figures as CSV from the analytics API.
import { Hono } from 'hono'
import type { VisitorEnv } from '../../../services/accounts/index.ts'
import { type OrdersSummary, ordersSummary } from '../../../services/analytics/index.ts'
import { productsByIds } from '../../../services/catalog/index.ts'
import type { Db } from '../../../shared/db/client.ts'
import { parseDayRange } from '../../../shared/http/day-range.ts'
import { OrdersPage } from './orders-views.tsx'
import { rangePart } from './range-part.ts'

/** The range's summary with the top sellers' names from the catalog. */
export async function ordersWithNames(
  db: Db,
  range: { from: number; to: number },
): Promise<{ summary: OrdersSummary; names: Map<string, string> }> {
  const summary = await ordersSummary(db, range)
  const products = await productsByIds(
    db,
    summary.topSellers.map((p) => p.productId),
  )
  return { summary, names: new Map(products.map((p) => [p.id, p.name])) }
}

export function adminOrdersPages(deps: { db: Db }): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
  app.get('/admin/orders', async (c) => {
    const query = c.req.query()
    // Today's orders unless a range is asked for.
    const today = new Date().toISOString().slice(0, 10)
    const range = parseDayRange({ from: query.from ?? query.to ?? today, to: query.to ?? today })
    const { summary, names } = await ordersWithNames(deps.db, range)
    return c.html(
      <OrdersPage
        visitor={c.get('visitor')}
        range={range.days}
        summary={summary}
        names={names}
        live={rangePart('admin-orders', range)}
      />,
    )
  })
  return app
}
