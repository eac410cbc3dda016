import type { FC } from 'hono/jsx'
import type { Visitor } from '../../../services/accounts/index.ts'
import type { Figure, UsersSummary } from '../../../services/analytics/index.ts'
import type { DayRange } from '../../../shared/http/day-range.ts'
import { AdminLayout } from './admin-layout.tsx'
import { Chart } from './chart.tsx'
import { RangeFilter } from './range-filter.tsx'

const change = (f: Figure) =>
  f.change === null
    ? 'no earlier figure'
    : `${f.change >= 0 ? '▲' : '▼'} ${(Math.abs(f.change) * 100).toFixed(1)} %`

/** Registrations, active users, growth and roles: the part the stream re-renders. */
export const UsersFigures: FC<{ summary: UsersSummary }> = ({ summary }) => (
  <section id="admin-users-figures">
    <dl class="figures">
      <div data-figure="registered">
        <dt>New users</dt>
        <dd>{summary.registered.value}</dd>
        <dd class="change">{change(summary.registered)}</dd>
      </div>
      <div data-figure="active">
        <dt>Active users</dt>
        <dd>{summary.active.value}</dd>
        <dd class="change">{change(summary.active)}</dd>
      </div>
      <div data-figure="growth7">
        <dt>New in 7 days</dt>
        <dd>{summary.growth7.total.value}</dd>
        <dd class="change">{change(summary.growth7.total)}</dd>
      </div>
      <div data-figure="growth30">
        <dt>New in 30 days</dt>
        <dd>{summary.growth30.total.value}</dd>
        <dd class="change">{change(summary.growth30.total)}</dd>
      </div>
    </dl>
    <Chart
      id="growth-chart"
      title="Registrations per day, the last 30 days"
      x={summary.growth30.days}
      series={[{ label: 'new users', values: summary.growth30.registered }]}
    />
    <table class="admin-table" id="users-per-role">
      <caption>Accounts per role</caption>
      <thead>
        <tr>
          <th scope="col">Role</th>
          <th scope="col">Accounts</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(summary.roles ?? {}).map(([role, n]) => (
          <tr data-role={role}>
            <td>{role}</td>
            <td>{n}</td>
          </tr>
        ))}
      </tbody>
    </table>
  </section>
)

export const UsersPage: FC<{
  visitor: Visitor
  range: DayRange
  summary: UsersSummary
  live: string
}> = (p) => (
  <AdminLayout title="Users" visitor={p.visitor} tab="users" live={[p.live]}>
    <h1>Users</h1>
    <RangeFilter action="/admin/users" range={p.range} note="compared with the period before" />
    <p>
      <a href={`/analytics/users?${new URLSearchParams({ ...p.range, format: 'csv' })}`}>
        Download registrations per day as CSV
      </a>
    </p>
    <UsersFigures summary={p.summary} />
  </AdminLayout>
)
