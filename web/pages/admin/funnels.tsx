// The admin's Funnels tab: product view → cart add → purchase and search → click → purchase over
// a range, with each step's conversion and drop-off, live, and the same steps as CSV.
import { Hono } from 'hono'
import type { VisitorEnv } from '../../../services/accounts/index.ts'
import { funnels } from '../../../services/analytics/index.ts'
import type { Db } from '../../../shared/db/client.ts'
import { parseDayRange } from '../../../shared/http/day-range.ts'
import { FunnelsPage } from './funnels-views.tsx'
import { rangePart } from './range-part.ts'

export function adminFunnelsPages(deps: { db: Db }): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
  app.get('/admin/funnels', async (c) => {
    const range = parseDayRange(c.req.query())
    return c.html(
      <FunnelsPage
        visitor={c.get('visitor')}
        range={range.days}
        funnels={await funnels(deps.db, range)}
        live={rangePart('admin-funnels', range)}
      />,
    )
  })
  return app
}
