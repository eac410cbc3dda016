import type { FC } from 'hono/jsx'
import type { Visitor } from '../../../services/accounts/index.ts'
import type {
  DurationFigures,
  SagaListItem,
  SagaOverview,
  SagaProgress,
  TimelineEntry,
} from '../../../services/orders/index.ts'
import type { DayRange } from '../../../shared/http/day-range.ts'
import { AdminLayout } from './admin-layout.tsx'
import { RangeFilter } from './range-filter.tsx'

const PROGRESS_WORDS: Record<SagaProgress, string> = {
  in_flight: 'In flight',
  compensating: 'Compensating',
  completed: 'Completed',
  failed: 'Failed',
  compensated: 'Compensated',
}

const ms = (value: number | null) => (value === null ? '–' : `${Math.round(value)} ms`)
const time = (at: number) => new Date(at).toISOString().replace('T', ' ').slice(0, 19)

const Durations: FC<{ name: string; figures: DurationFigures }> = ({ name, figures }) => (
  <tr>
    <th scope="row">{name}</th>
    <td>{figures.count}</td>
    <td>{ms(figures.p50Ms)}</td>
    <td>{ms(figures.p95Ms)}</td>
    <td>{ms(figures.maxMs)}</td>
  </tr>
)

/** The counts, durations and reasons of the range: the part the page's stream re-renders. */
export const SagaSummary: FC<{ overview: SagaOverview; range: DayRange }> = ({
  overview,
  range,
}) => (
  <section id="admin-sagas-summary">
    <dl class="figures">
      {(Object.keys(PROGRESS_WORDS) as SagaProgress[]).map((p) => (
        <div data-progress={p}>
          <dt>
            <a href={`/admin/sagas?${new URLSearchParams({ ...range, progress: p })}`}>
              {PROGRESS_WORDS[p]}
            </a>
          </dt>
          <dd>{overview.counts[p]}</dd>
        </div>
      ))}
    </dl>
    <table class="admin-table" id="saga-durations">
      <caption>Placed to finished</caption>
      <thead>
        <tr>
          <th scope="col">Ending</th>
          <th scope="col">Sagas</th>
          <th scope="col">p50</th>
          <th scope="col">p95</th>
          <th scope="col">Longest</th>
        </tr>
      </thead>
      <tbody>
        <Durations name="Completed" figures={overview.durations.completed} />
        <Durations name="Failed" figures={overview.durations.failed} />
        <Durations name="Compensated" figures={overview.durations.compensated} />
      </tbody>
    </table>
    <table class="admin-table" id="saga-reasons">
      <caption>Why orders were cancelled</caption>
      <thead>
        <tr>
          <th scope="col">Reason</th>
          <th scope="col">Orders</th>
        </tr>
      </thead>
      <tbody>
        {overview.reasons.map((r) => (
          <tr>
            <td>{r.reason}</td>
            <td>{r.count}</td>
          </tr>
        ))}
      </tbody>
    </table>
    <p class="muted" id="oldest-in-flight">
      {overview.oldestInFlight ? (
        <>
          Under way the longest:{' '}
          <a href={`/admin/sagas/${overview.oldestInFlight.orderId}`}>
            {overview.oldestInFlight.orderId}
          </a>{' '}
          at {overview.oldestInFlight.step ?? 'its end'}, for{' '}
          {Math.round(overview.oldestInFlight.ageMs / 1000)} s
        </>
      ) : (
        'No saga is under way.'
      )}
    </p>
  </section>
)

const SagaRows: FC<{ items: SagaListItem[] }> = ({ items }) => (
  <table class="admin-table" id="saga-list">
    <thead>
      <tr>
        <th scope="col">Order</th>
        <th scope="col">Progress</th>
        <th scope="col">Step</th>
        <th scope="col">Attempt</th>
        <th scope="col">Reason</th>
        <th scope="col">Placed (UTC)</th>
        <th scope="col">Duration</th>
      </tr>
    </thead>
    <tbody>
      {items.map((s) => (
        <tr data-order={s.orderId} data-progress={s.progress}>
          <td>
            <a href={`/admin/sagas/${s.orderId}`}>{s.orderId}</a>
          </td>
          <td>{PROGRESS_WORDS[s.progress]}</td>
          <td>{s.step ?? '–'}</td>
          <td>{s.attempt}</td>
          <td>{s.reason ?? '–'}</td>
          <td>{time(s.createdAt)}</td>
          <td>{ms(s.durationMs)}</td>
        </tr>
      ))}
    </tbody>
  </table>
)

export const SagasPage: FC<{
  visitor: Visitor
  range: DayRange
  progress: SagaProgress | null
  overview: SagaOverview
  items: SagaListItem[]
  page: number
  pageSize: number
  live: string
}> = (p) => (
  <AdminLayout title="Sagas" visitor={p.visitor} tab="sagas" live={[p.live]}>
    <h1>Sagas</h1>
    <RangeFilter action="/admin/sagas" range={p.range} keep={{ progress: p.progress }} />
    <SagaSummary overview={p.overview} range={p.range} />
    <h2>{p.progress ? PROGRESS_WORDS[p.progress] : 'All sagas'}, newest first</h2>
    <SagaRows items={p.items} />
    <nav class="pager">
      {p.page > 1 ? (
        <a href={`/admin/sagas?${pageQuery(p, p.page - 1)}`} rel="prev">
          Newer
        </a>
      ) : null}
      {p.items.length === p.pageSize ? (
        <a href={`/admin/sagas?${pageQuery(p, p.page + 1)}`} rel="next">
          Older
        </a>
      ) : null}
    </nav>
  </AdminLayout>
)

function pageQuery(p: { range: DayRange; progress: SagaProgress | null }, page: number) {
  return new URLSearchParams({
    ...p.range,
    ...(p.progress ? { progress: p.progress } : {}),
    page: String(page),
  })
}

/** One saga's timeline: each step as it happened, with its time since the order and its duration. */
export const SagaTimelinePage: FC<{
  visitor: Visitor
  saga: SagaListItem
  steps: TimelineEntry[]
}> = ({ visitor, saga, steps }) => (
  <AdminLayout title={`Saga ${saga.orderId}`} visitor={visitor} tab="sagas">
    <h1>Saga of order {saga.orderId}</h1>
    <p>
      <strong data-progress={saga.progress}>{PROGRESS_WORDS[saga.progress]}</strong>
      {saga.reason ? ` (${saga.reason})` : ''}, placed {time(saga.createdAt)} UTC,{' '}
      {saga.finishedAt
        ? `finished after ${ms(saga.durationMs)}`
        : `under way for ${ms(saga.durationMs)}`}
    </p>
    <table class="admin-table" id="saga-timeline">
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col">Outcome</th>
          <th scope="col">Detail</th>
          <th scope="col">Since the order</th>
          <th scope="col">Step took</th>
        </tr>
      </thead>
      <tbody>
        {steps.map((s) => (
          <tr data-step={s.step} data-outcome={s.outcome}>
            <td>{s.step}</td>
            <td>{s.outcome}</td>
            <td>{s.detail ?? ''}</td>
            <td>{ms(s.sinceStartMs)}</td>
            <td>{ms(s.durationMs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
    <p>
      <a href="/admin/sagas">All sagas</a>
    </p>
  </AdminLayout>
)
