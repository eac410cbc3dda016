import type { FC } from 'hono/jsx'
import type { Visitor } from '../../../services/accounts/index.ts'
import type { OrdersSummary } from '../../../services/analytics/index.ts'
import type { DayRange } from '../../../shared/http/day-range.ts'
import { formatMoney } from '../../money.ts'
import { AdminLayout } from './admin-layout.tsx'
import { Versus } from './compare.tsx'
import { SHOP_CURRENCY } from './overview-views.tsx'
import { RangeFilter } from './range-filter.tsx'

const money = (minor: number | null) => (minor === null ? '–' : formatMoney(minor, SHOP_CURRENCY))

const count = (n: number) => String(n)

/** The figures of the summary, each with the previous period's beside it when comparing. */
const FIGURES: {
  id: string
  label: string
  of: (s: OrdersSummary) => number | null
  show: (n: number) => string
}[] = [
  { id: 'placed', label: 'Orders placed', of: (s) => s.placed, show: count },
  { id: 'completed', label: 'Completed', of: (s) => s.completed, show: count },
  { id: 'cancelled', label: 'Cancelled', of: (s) => s.cancelled, show: count },
  { id: 'revenue', label: 'Revenue', of: (s) => s.revenueMinor, show: money },
  { id: 'aov', label: 'Average order', of: (s) => s.averageOrderValueMinor, show: money },
  { id: 'refunded', label: 'Refunded', of: (s) => s.refundedMinor, show: money },
]

/** The range's orders, revenue, average order and top sellers: the part the stream re-renders. */
export const OrdersFigures: FC<{
  summary: OrdersSummary
  names: Map<string, string>
  /** The previous period's summary, when comparing. */
  previous?: OrdersSummary | undefined
}> = ({ summary, names, previous }) => (
  <section id="admin-orders-figures">
    <dl class="figures">
      {FIGURES.map((f) => {
        const value = f.of(summary)
        return (
          <div data-figure={f.id}>
            <dt>{f.label}</dt>
            <dd>{value === null ? '–' : f.show(value)}</dd>
            {previous && value !== null ? (
              <Versus value={value} previous={f.of(previous)} show={f.show} />
            ) : null}
          </div>
        )
      })}
    </dl>
    <table class="admin-table" id="top-sellers">
      <caption>Top sellers (units in completed orders)</caption>
      <thead>
        <tr>
          <th scope="col">Product</th>
          <th scope="col">Units</th>
          <th scope="col">Orders</th>
          <th scope="col">Revenue</th>
        </tr>
      </thead>
      <tbody>
        {summary.topSellers.map((p) => (
          <tr data-product={p.productId}>
            <td>{names.get(p.productId) ?? p.productId}</td>
            <td>{p.units}</td>
            <td>{p.orders}</td>
            <td>{money(p.revenueMinor)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  </section>
)

export const OrdersPage: FC<{
  visitor: Visitor
  range: DayRange
  summary: OrdersSummary
  names: Map<string, string>
  previous?: OrdersSummary | undefined
  live: string
}> = (p) => (
  <AdminLayout title="Orders" visitor={p.visitor} tab="orders" live={[p.live]}>
    <h1>Orders</h1>
    <RangeFilter action="/admin/orders" range={p.range} compare={p.previous !== undefined} />
    <p>
      <a href={`/analytics/orders?${new URLSearchParams({ ...p.range, format: 'csv' })}`}>
        Download as CSV
      </a>
    </p>
    <OrdersFigures summary={p.summary} names={p.names} previous={p.previous} />
  </AdminLayout>
)
