import type { FC } from 'hono/jsx'
import type { Visitor } from '../../../services/accounts/index.ts'
import type { ProductSort, ProductsTable } from '../../../services/analytics/index.ts'
import type { DayRange } from '../../../shared/http/day-range.ts'
import { formatMoney } from '../../money.ts'
import { AdminLayout } from './admin-layout.tsx'
import { SHOP_CURRENCY } from './overview-views.tsx'
import { RangeFilter } from './range-filter.tsx'

/** What the table shows of a range: the column it is sorted by, the direction and the page. */
export interface ProductsView {
  sort: ProductSort
  dir: 'asc' | 'desc'
  page: number
}

/** The table's columns: what each sorts by, and its heading. */
const COLUMNS: { sort: ProductSort; label: string }[] = [
  { sort: 'productId', label: 'Product' },
  { sort: 'views', label: 'Views' },
  { sort: 'cartAdds', label: 'Cart adds' },
  { sort: 'orders', label: 'Orders' },
  { sort: 'units', label: 'Units' },
  { sort: 'revenue', label: 'Revenue' },
  { sort: 'rating', label: 'Rating' },
]

const pageHref = (range: DayRange, view: ProductsView) =>
  `/admin/products?${new URLSearchParams({ ...range, sort: view.sort, dir: view.dir, page: String(view.page) })}`

/** A heading's link: the other direction on the sorted column, else its natural one, page 1. */
function sortHref(range: DayRange, view: ProductsView, sort: ProductSort): string {
  const natural = sort === 'productId' ? 'asc' : 'desc'
  const flipped = view.dir === 'asc' ? 'desc' : 'asc'
  return pageHref(range, { sort, dir: sort === view.sort ? flipped : natural, page: 1 })
}

const ariaSort = (view: ProductsView, sort: ProductSort) =>
  view.sort === sort ? (view.dir === 'asc' ? 'ascending' : 'descending') : undefined

/** The range's table, one sorted page of it, and its pager: the part the stream re-renders. */
export const ProductsFigures: FC<{
  range: DayRange
  view: ProductsView
  table: ProductsTable
  names: Map<string, string>
}> = ({ range, view, table, names }) => {
  const pages = Math.max(1, Math.ceil(table.total / table.pageSize))
  return (
    <section id="admin-products-figures">
      <dl class="figures">
        <div data-figure="products">
          <dt>Products with activity</dt>
          <dd>{table.total}</dd>
        </div>
      </dl>
      <table class="admin-table" id="products-table">
        <caption>
          Per product, {range.from} to {range.to}
        </caption>
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th scope="col" aria-sort={ariaSort(view, c.sort)}>
                <a href={sortHref(range, view, c.sort)}>{c.label}</a>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((p) => (
            <tr data-product={p.productId}>
              <td>{names.get(p.productId) ?? p.productId}</td>
              <td>{p.views}</td>
              <td>{p.cartAdds}</td>
              <td>{p.orders}</td>
              <td>{p.units}</td>
              <td>{formatMoney(p.revenueMinor, SHOP_CURRENCY)}</td>
              <td>{p.rating === null ? '–' : `${p.rating.toFixed(1)} (${p.ratings})`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav class="pager" aria-label="Pages of products">
        {view.page > 1 ? (
          <a rel="prev" href={pageHref(range, { ...view, page: view.page - 1 })}>
            Previous
          </a>
        ) : null}
        <span>
          Page {view.page} of {pages}
        </span>
        {view.page < pages ? (
          <a rel="next" href={pageHref(range, { ...view, page: view.page + 1 })}>
            Next
          </a>
        ) : null}
      </nav>
    </section>
  )
}

export const ProductsPage: FC<{
  visitor: Visitor
  range: DayRange
  view: ProductsView
  table: ProductsTable
  names: Map<string, string>
  live: string
}> = (p) => (
  <AdminLayout title="Products" visitor={p.visitor} tab="products" live={[p.live]}>
    <h1>Products</h1>
    <RangeFilter
      action="/admin/products"
      range={p.range}
      keep={{ sort: p.view.sort, dir: p.view.dir }}
    />
    <p>
      {/* Every product of the range (up to the API's 500), in the table's order. */}
      <a
        href={`/analytics/products?${new URLSearchParams({ ...p.range, sort: p.view.sort, dir: p.view.dir, pageSize: '500', format: 'csv' })}`}
      >
        Download as CSV
      </a>
    </p>
    <ProductsFigures range={p.range} view={p.view} table={p.table} names={p.names} />
  </AdminLayout>
)
