import type { FC } from 'hono/jsx'
import type { Visitor } from '../../../services/accounts/index.ts'
import type {
  EventRate,
  Figure,
  Overview,
  RecentOrder,
  Trend,
} from '../../../services/analytics/index.ts'
import type { DayRange } from '../../../shared/http/day-range.ts'
import { formatMoney } from '../../money.ts'
import { AdminLayout } from './admin-layout.tsx'
import { Chart } from './chart.tsx'
import { Change } from './compare.tsx'
import { RangeFilter } from './range-filter.tsx'

/** The live part of the events/s chart: the same for every range. */
export const EVENTS_CHART_PART = 'admin-events-chart'

/** Analytics sums one currency: the catalog's (its products default to euros). */
export const SHOP_CURRENCY = 'EUR'

/** The live part of the last 30 days and the latest orders: the same for every range. */
export const OVERVIEW_HISTORY_PART = 'admin-overview-history'

/** What the Overview shows of the shop's recent past, whatever the range. */
export interface OverviewHistory {
  /** The last 30 days, a bucket a day. */
  trend: Trend<'revenueMinor' | 'ordersPlaced' | 'ordersCompleted'>
  recent: RecentOrder[]
}

/**
 * Events analytics handled per second over the last 30 minutes: a live part of its own, since its
 * window moves every second while the figures change only with what happens.
 */
export const EventsChart: FC<{ rate: EventRate }> = ({ rate }) => (
  <section id="admin-events-chart">
    <Chart
      id="events-chart"
      title="Events per second, the last 30 minutes"
      x={rate.seconds}
      series={[{ label: 'events/s', values: rate.events }]}
    />
  </section>
)

const money = (minor: number) => formatMoney(minor, SHOP_CURRENCY)
const percent = (ratio: number) => `${(ratio * 100).toFixed(1)} %`
const day = (at: number) => new Date(at).toISOString().slice(0, 10)

const Card: FC<{ id: string; label: string; figure: Figure; show: (n: number) => string }> = ({
  id,
  label,
  figure,
  show,
}) => (
  <div data-figure={id}>
    <dt>{label}</dt>
    <dd>{show(figure.value)}</dd>
    <dd class="change">
      <Change figure={figure} />
    </dd>
  </div>
)

/**
 * The range's figures and the shoppers active now: the range's live part, small, so that what
 * every open dashboard is sent when a figure moves stays small.
 */
export const OverviewFigures: FC<{ overview: Overview; activeNow: number }> = ({
  overview: o,
  activeNow,
}) => (
  <section id="admin-overview-figures">
    <dl class="figures">
      <Card id="revenue" label="Revenue" figure={o.revenueMinor} show={money} />
      <Card id="orders" label="Orders placed" figure={o.ordersPlaced} show={String} />
      <Card id="completed" label="Orders completed" figure={o.ordersCompleted} show={String} />
      <Card id="aov" label="Average order" figure={o.averageOrderValueMinor} show={money} />
      <Card id="registered" label="New users" figure={o.usersRegistered} show={String} />
      <Card id="active" label="Active shoppers" figure={o.activeUsers} show={String} />
      <Card id="views" label="Product views" figure={o.productViews} show={String} />
      <Card id="conversion" label="Conversion" figure={o.conversionRate} show={percent} />
    </dl>
    <p id="active-now">
      <strong>{activeNow}</strong> shoppers active in the last 5 minutes
    </p>
  </section>
)

/** The last 30 days (a chart and a table) and the latest orders: a live part of its own. */
export const OverviewHistoryView: FC<{ history: OverviewHistory }> = ({ history }) => (
  <section id="admin-overview-history">
    <Chart
      id="trend-chart"
      title="Revenue and orders, the last 30 days"
      x={history.trend.buckets}
      series={[
        {
          label: `revenue (${SHOP_CURRENCY})`,
          values: history.trend.series.revenueMinor.map((m) => m / 100),
          scale: 'money',
        },
        { label: 'orders placed', values: history.trend.series.ordersPlaced, scale: 'count' },
      ]}
    />
    <table class="admin-table" id="overview-trend">
      <caption>The last 30 days</caption>
      <thead>
        <tr>
          <th scope="col">Day (UTC)</th>
          <th scope="col">Revenue</th>
          <th scope="col">Orders placed</th>
          <th scope="col">Completed</th>
        </tr>
      </thead>
      <tbody>
        {history.trend.buckets.map((at, i) => (
          <tr data-day={day(at)}>
            <td>{day(at)}</td>
            <td>{money(history.trend.series.revenueMinor[i] ?? 0)}</td>
            <td>{history.trend.series.ordersPlaced[i] ?? 0}</td>
            <td>{history.trend.series.ordersCompleted[i] ?? 0}</td>
          </tr>
        ))}
      </tbody>
    </table>
    <table class="admin-table" id="recent-orders">
      <caption>Recent orders</caption>
      <thead>
        <tr>
          <th scope="col">Order</th>
          <th scope="col">Status</th>
          <th scope="col">Placed (UTC)</th>
          <th scope="col">Units</th>
          <th scope="col">Total</th>
        </tr>
      </thead>
      <tbody>
        {history.recent.map((r) => (
          <tr data-order={r.orderId} data-status={r.status}>
            <td>
              <a href={`/admin/sagas/${r.orderId}`}>{r.orderId}</a>
            </td>
            <td>{r.status}</td>
            <td>{new Date(r.createdAt).toISOString().replace('T', ' ').slice(0, 19)}</td>
            <td>{r.units}</td>
            <td>{formatMoney(r.totalMinor, r.currency)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  </section>
)

export const OverviewPage: FC<{
  visitor: Visitor
  range: DayRange
  overview: Overview
  activeNow: number
  history: OverviewHistory
  rate: EventRate
  live: string
}> = (p) => (
  <AdminLayout
    title="Overview"
    visitor={p.visitor}
    tab="overview"
    live={[p.live, EVENTS_CHART_PART, OVERVIEW_HISTORY_PART]}
  >
    <h1>Overview</h1>
    <RangeFilter
      action="/admin/overview"
      range={p.range}
      note="compared with the same number of days before"
    />
    <OverviewFigures overview={p.overview} activeNow={p.activeNow} />
    <EventsChart rate={p.rate} />
    <OverviewHistoryView history={p.history} />
  </AdminLayout>
)
