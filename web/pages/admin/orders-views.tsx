import type { FC } from 'hono/jsx'
import type { Visitor } from '../../../services/accounts/index.ts'
import type { OrdersSummary } from '../../../services/analytics/index.ts'
import type { DayRange } from '../../../shared/http/day-range.ts'
import { formatMoney } from '../../money.ts'
import { AdminLayout } from './admin-layout.tsx'
import { SHOP_CURRENCY } from './overview-views.tsx'
import { RangeFilter } from './range-filter.tsx'

const money = (minor: number | null) => (minor === null ? '–' : formatMoney(minor, SHOP_CURRENCY))

/** The range's orders, revenue, average order and top sellers: the part the stream re-renders. */
export const OrdersFigures: FC<{ summary: OrdersSummary; names: Map<string, string> }> = ({
  summary,
  names,
}) => (
  <section id="admin-orders-figures">
    <dl class="figures">
      <div data-figure="placed">
        <dt>Orders placed</dt>
        <dd>{summary.placed}</dd>
      </div>
      <div data-figure="completed">
        <dt>Completed</dt>
        <dd>{summary.completed}</dd>
      </div>
      <div data-figure="cancelled">
        <dt>Cancelled</dt>
        <dd>{summary.cancelled}</dd>
      </div>
      <div data-figure="revenue">
        <dt>Revenue</dt>
        <dd>{money(summary.revenueMinor)}</dd>
      </div>
      <div data-figure="aov">
        <dt>Average order</dt>
        <dd>{money(summary.averageOrderValueMinor)}</dd>
      </div>
      <div data-figure="refunded">
        <dt>Refunded</dt>
        <dd>{money(summary.refundedMinor)}</dd>
      </div>
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
  live: string
}> = (p) => (
  <AdminLayout title="Orders" visitor={p.visitor} tab="orders" live={[p.live]}>
    <h1>Orders</h1>
    <RangeFilter action="/admin/orders" range={p.range} />
    <p>
      <a href={`/analytics/orders?${new URLSearchParams({ ...p.range, format: 'csv' })}`}>
        Download as CSV
      </a>
    </p>
    <OrdersFigures summary={p.summary} names={p.names} />
  </AdminLayout>
)
