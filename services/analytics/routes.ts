// The analytics JSON API for admins and their tools: `/analytics/dashboard|overview|orders|users|
// products|funnels?from=&to=` (UTC days, both included; the last 7 by default), each also as CSV with
// `?format=csv`. The figures are the roll-ups' (see queries/).
import { type Context, Hono, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import type { Db } from '../../shared/db/client.ts'
import { type CsvCell, toCsv } from '../../shared/http/csv.ts'
import { parseDayRange } from '../../shared/http/day-range.ts'
import { valid } from '../../shared/http/validate.ts'
import type { Figure } from './queries/figures.ts'
import { funnels } from './queries/funnels.ts'
import { ordersSummary } from './queries/orders-summary.ts'
import { overview } from './queries/overview.ts'
import { PRODUCT_SORTS, productsTable } from './queries/products-table.ts'
import { usersSummary } from './queries/users-summary.ts'

export interface AnalyticsRoutesDeps {
  db: Db
  requireAdmin: MiddlewareHandler
  /** Accounts per role, from the accounts context (analytics keeps no users). */
  countRoles?: () => Promise<Record<string, number>>
}

/** `?from=&to=` (UTC days, both included) and `format`: what every analytics route takes. */
export const analyticsRangeQuerySchema = z.object({
  from: z.string().optional(),
  to: z.string().optional(),
  format: z.enum(['json', 'csv']).default('json'),
})

/** The products table's query: the range, a sort, a direction and a page. */
export const analyticsProductsQuerySchema = analyticsRangeQuerySchema.extend({
  sort: z.enum(PRODUCT_SORTS).default('views'),
  dir: z.enum(['asc', 'desc']).default('desc'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
})

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)

function csv(c: Context, name: string, columns: string[], rows: CsvCell[][]): Response {
  return c.body(toCsv(columns, rows), 200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${name}.csv"`,
  })
}

/** A row per figure: its value, the previous period's and the change. */
function figureRows(figures: Record<string, unknown>): CsvCell[][] {
  return Object.entries(figures)
    .filter(
      (e): e is [string, Figure] => typeof e[1] === 'object' && e[1] !== null && 'value' in e[1],
    )
    .map(([metric, f]) => [metric, f.value, f.previous, f.change])
}

const FIGURE_COLUMNS = ['metric', 'value', 'previous', 'change']

export function analyticsRoutes(deps: AnalyticsRoutesDeps): Hono {
  const app = new Hono()
  const { db } = deps
  app.use('/analytics/*', deps.requireAdmin)

  app.get('/analytics/overview', valid('query', analyticsRangeQuerySchema), async (c) => {
    const { format, ...query } = c.req.valid('query')
    const figures = await overview(db, parseDayRange(query))
    if (format === 'csv') return csv(c, 'overview', FIGURE_COLUMNS, figureRows({ ...figures }))
    return c.json(figures)
  })

  app.get('/analytics/orders', valid('query', analyticsRangeQuerySchema), async (c) => {
    const { format, ...query } = c.req.valid('query')
    const summary = await ordersSummary(db, parseDayRange(query))
    if (format === 'csv')
      return csv(
        c,
        'orders',
        ['metric', 'value'],
        [
          ['placed', summary.placed],
          ['completed', summary.completed],
          ['cancelled', summary.cancelled],
          ['revenueMinor', summary.revenueMinor],
          ['refundedMinor', summary.refundedMinor],
          ['capturedMinor', summary.capturedMinor],
          ['averageOrderValueMinor', summary.averageOrderValueMinor],
          ...summary.topSellers.map((p, i) => [`topSeller${i + 1}:${p.productId}`, p.units]),
        ],
      )
    return c.json(summary)
  })

  app.get('/analytics/users', valid('query', analyticsRangeQuerySchema), async (c) => {
    const { format, ...query } = c.req.valid('query')
    const summary = await usersSummary(db, parseDayRange(query), { countRoles: deps.countRoles })
    if (format === 'csv')
      return csv(
        c,
        'users',
        ['day', 'registered'],
        summary.growth30.days.map((d, i) => [day(d), summary.growth30.registered[i] ?? 0]),
      )
    return c.json(summary)
  })

  app.get('/analytics/products', valid('query', analyticsProductsQuerySchema), async (c) => {
    const { format, sort, dir, page, pageSize, ...query } = c.req.valid('query')
    const table = await productsTable(db, parseDayRange(query), { sort, dir, page, pageSize })
    if (format === 'csv')
      return csv(
        c,
        'products',
        [
          'productId',
          'views',
          'clicks',
          'cartAdds',
          'purchases',
          'orders',
          'units',
          'revenueMinor',
          'rating',
          'ratings',
        ],
        table.rows.map((p) => [
          p.productId,
          p.views,
          p.clicks,
          p.cartAdds,
          p.purchases,
          p.orders,
          p.units,
          p.revenueMinor,
          p.rating,
          p.ratings,
        ]),
      )
    return c.json(table)
  })

  app.get('/analytics/funnels', valid('query', analyticsRangeQuerySchema), async (c) => {
    const { format, ...query } = c.req.valid('query')
    const both = await funnels(db, parseDayRange(query))
    if (format === 'csv')
      return csv(
        c,
        'funnels',
        ['funnel', 'step', 'count', 'stepConversion', 'conversion', 'dropOff', 'dropOffRate'],
        (['product', 'search'] as const).flatMap((funnel) =>
          both[funnel].map((s) => [
            funnel,
            s.step,
            s.count,
            s.stepConversion,
            s.conversion,
            s.dropOff,
            s.dropOffRate,
          ]),
        ),
      )
    return c.json(both)
  })

  // Everything at once, for a tool that wants the whole dashboard in one request.
  app.get('/analytics/dashboard', valid('query', analyticsRangeQuerySchema), async (c) => {
    const { format, ...query } = c.req.valid('query')
    const range = parseDayRange(query)
    const [o, orders, users, products, funnel] = await Promise.all([
      overview(db, range),
      ordersSummary(db, range),
      usersSummary(db, range, { countRoles: deps.countRoles }),
      productsTable(db, range, { pageSize: 20 }),
      funnels(db, range),
    ])
    if (format === 'csv') {
      const steps = (name: string, list: typeof funnel.product) =>
        list.map((s) => [`funnel:${name}:${s.step}`, s.count, null, s.conversion])
      return csv(c, 'dashboard', FIGURE_COLUMNS, [
        ...figureRows({ ...o }),
        ...steps('product', funnel.product),
        ...steps('search', funnel.search),
      ])
    }
    return c.json({ overview: o, orders, users, products, funnels: funnel })
  })

  return app
}
