import type { FC } from 'hono/jsx'
import type { Visitor } from '../../../services/accounts/index.ts'
import type { FunnelStep, Funnels } from '../../../services/analytics/index.ts'
import type { DayRange } from '../../../shared/http/day-range.ts'
import { AdminLayout } from './admin-layout.tsx'
import { RangeFilter } from './range-filter.tsx'

/** What each step counted, in words (queries/funnels.ts says exactly how). */
const STEP_WORDS: Record<string, Record<string, string>> = {
  product: {
    viewed: 'Viewed a product',
    carted: 'Added it to the cart',
    purchased: 'Bought it',
  },
  search: {
    searched: 'Searched',
    clicked: 'Clicked a product',
    purchased: 'Bought a product they clicked',
  },
}

const percent = (rate: number | null) => (rate === null ? '–' : `${(rate * 100).toFixed(1)}%`)

/**
 * One funnel as a table: each step's journeys, its conversion from the step before and from the
 * first, what it lost, and a bar. The bar is a <meter>: the CSP allows no inline style for widths.
 */
const FunnelTable: FC<{
  name: string
  caption: string
  steps: FunnelStep[]
  /** The same funnel in the previous period, when comparing. */
  before?: FunnelStep[] | undefined
}> = ({ name, caption, steps, before }) => {
  const first = steps[0]?.count ?? 0
  return (
    <table class="admin-table funnel" id={`funnel-${name}`} data-funnel={name}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col">Journeys</th>
          <th scope="col">From the step before</th>
          <th scope="col">From the first step</th>
          <th scope="col">Drop-off</th>
          <th scope="col">Share of the first step</th>
          {before ? <th scope="col">The period before</th> : null}
        </tr>
      </thead>
      <tbody>
        {steps.map((s) => (
          <tr data-step={s.step}>
            <th scope="row">{STEP_WORDS[name]?.[s.step] ?? s.step}</th>
            <td>{s.count}</td>
            <td>{percent(s.stepConversion)}</td>
            <td>{percent(s.conversion)}</td>
            <td>
              {s.dropOff} ({percent(s.dropOffRate)})
            </td>
            <td>
              <meter min={0} max={Math.max(1, first)} value={s.count}>
                {percent(s.conversion)}
              </meter>
            </td>
            {before ? <Before step={before.find((b) => b.step === s.step)} /> : null}
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** A step in the previous period: its journeys and its conversion from the first step. */
const Before: FC<{ step: FunnelStep | undefined }> = ({ step }) => (
  <td class="before" data-before={step?.count ?? 0}>
    {step ? `${step.count} (${percent(step.conversion)})` : '–'}
  </td>
)

/** Both funnels over the range (and the period before, when comparing): the live part. */
export const FunnelsFigures: FC<{ funnels: Funnels; previous?: Funnels | undefined }> = ({
  funnels,
  previous,
}) => (
  <section id="admin-funnels-figures">
    <FunnelTable
      name="product"
      caption="Product view → cart add → purchase (a journey is a shopper and a product)"
      steps={funnels.product}
      before={previous?.product}
    />
    <FunnelTable
      name="search"
      caption="Search → click → purchase (a journey is a shopper)"
      steps={funnels.search}
      before={previous?.search}
    />
  </section>
)

export const FunnelsPage: FC<{
  visitor: Visitor
  range: DayRange
  funnels: Funnels
  previous?: Funnels | undefined
  live: string
}> = (p) => (
  <AdminLayout title="Funnels" visitor={p.visitor} tab="funnels" live={[p.live]}>
    <h1>Funnels</h1>
    <RangeFilter action="/admin/funnels" range={p.range} compare={p.previous !== undefined} />
    <p>
      <a href={`/analytics/funnels?${new URLSearchParams({ ...p.range, format: 'csv' })}`}>
        Download as CSV
      </a>
    </p>
    <FunnelsFigures funnels={p.funnels} previous={p.previous} />
  </AdminLayout>
)
