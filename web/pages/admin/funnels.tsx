// The admin's Funnels tab: product view → cart add → purchase and search → click → purchase over
// a range, with each step's conversion and drop-off, live, and the same steps as CSV.
import { Hono } from 'hono'
import type { VisitorEnv } from '../../../services/accounts/index.ts'
import { type Funnels, funnels, previousPeriod } from '../../../services/analytics/index.ts'
import type { Db } from '../../../shared/db/client.ts'
import { parseDayRange } from '../../../shared/http/day-range.ts'
import { FunnelsPage } from './funnels-views.tsx'
import { comparing, type RangeOptions, rangePart } from './range-part.ts'

/** The range's funnels, and the previous period's when comparing. */
export async function funnelsCompared(
  db: Db,
  range: { from: number; to: number },
  options: RangeOptions,
): Promise<{ funnels: Funnels; previous?: Funnels }> {
  const [now, before] = await Promise.all([
    funnels(db, range),
    options.compare ? funnels(db, previousPeriod(range)) : undefined,
  ])
  return { funnels: now, previous: before }
}

export function adminFunnelsPages(deps: { db: Db }): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
  app.get('/admin/funnels', async (c) => {
    const query = c.req.query()
    const range = parseDayRange(query)
    const options = comparing(query)
    return c.html(
      <FunnelsPage
        visitor={c.get('visitor')}
        range={range.days}
        {...(await funnelsCompared(deps.db, range, options))}
        live={rangePart('admin-funnels', range, options)}
      />,
    )
  })
  return app
}
