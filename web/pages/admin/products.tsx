// The admin's Products tab: per product over a range, views, cart adds, orders, revenue and
// rating, sorted by any column and paged by links, live, with the same rows as CSV.
import { Hono } from 'hono'
import { z } from 'zod'
import type { VisitorEnv } from '../../../services/accounts/index.ts'
import {
  PRODUCT_SORTS,
  type ProductsTable,
  productsTable,
} from '../../../services/analytics/index.ts'
import { productsByIds } from '../../../services/catalog/index.ts'
import type { Db } from '../../../shared/db/client.ts'
import { parseDayRange } from '../../../shared/http/day-range.ts'
import { parseOrThrow } from '../../../shared/http/validate.ts'
import { ProductsPage, type ProductsView } from './products-views.tsx'
import { rangePart } from './range-part.ts'

/** Products shown on one page of the table. */
export const PRODUCTS_PAGE_SIZE = 20

const viewSchema = z.object({
  sort: z.enum(PRODUCT_SORTS).default('views'),
  dir: z.enum(['asc', 'desc']).default('desc'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
})

/** The view a page's query (or a live part's argument) asks for; a bad one is a 400. */
export function parseProductsView(query: Record<string, string | undefined>): ProductsView {
  const { sort, dir, page } = query
  return parseOrThrow(viewSchema, { sort, dir, page }, 'The table view')
}

/** One page of the table, with the products' names from the catalog. */
export async function productsWithNames(
  db: Db,
  range: { from: number; to: number },
  view: ProductsView,
): Promise<{ table: ProductsTable; names: Map<string, string> }> {
  const table = await productsTable(db, range, { ...view, pageSize: PRODUCTS_PAGE_SIZE })
  const products = await productsByIds(
    db,
    table.rows.map((p) => p.productId),
  )
  return { table, names: new Map(products.map((p) => [p.id, p.name])) }
}

/**
 * The tab's live part: the range, then `~<sort>.<dir>.<page>`, so every sorted page has a stream
 * of its own. @example productsPart(range, { sort: 'views', dir: 'desc', page: 1 })
 */
export function productsPart(range: { from: number; to: number }, view: ProductsView): string {
  return `${rangePart('admin-products', range)}~${view.sort}.${view.dir}.${view.page}`
}

/** A live part's argument back into its range (still to be checked) and view. */
export function parseProductsPart(argument: string): {
  from: number
  to: number
  view: ProductsView
} {
  const [span = '', shown = ''] = argument.split('~')
  const [from = Number.NaN, to = Number.NaN, ...rest] = span.split('-').map(Number)
  // Without a view (a range alone), the table's default one.
  const [sort, dir, page] = shown ? shown.split('.') : []
  return {
    ...(rest.length > 0 ? { from: Number.NaN, to: Number.NaN } : { from, to }),
    view: parseProductsView({ sort, dir, page }),
  }
}

export function adminProductsPages(deps: { db: Db }): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
  app.get('/admin/products', async (c) => {
    const query = c.req.query()
    const range = parseDayRange(query)
    const view = parseProductsView(query)
    const { table, names } = await productsWithNames(deps.db, range, view)
    return c.html(
      <ProductsPage
        visitor={c.get('visitor')}
        range={range.days}
        view={view}
        table={table}
        names={names}
        live={productsPart(range, view)}
      />,
    )
  })
  return app
}
