// A figure against the period before: the Overview always shows it, the other tabs when the
// filter's "compare to the previous period" is on.
import type { FC } from 'hono/jsx'
import type { Figure } from '../../../services/analytics/index.ts'

const percent = (ratio: number) => `${(ratio * 100).toFixed(1)} %`

/** The change against the previous period, as a word a reader takes in at a glance. */
export const Change: FC<{ figure: Figure }> = ({ figure }) =>
  figure.change === null ? (
    <span class="muted">no earlier figure</span>
  ) : (
    <span class={figure.change >= 0 ? 'up' : 'down'}>
      {figure.change >= 0 ? '▲' : '▼'} {percent(Math.abs(figure.change))} on the period before
    </span>
  )

/** What the figure was in the previous period, and the change since. */
export const Versus: FC<{
  value: number
  previous: number | null
  show: (n: number) => string
}> = ({ value, previous, show }) => {
  const change = previous === null || previous === 0 ? null : (value - previous) / previous
  return (
    <dd class="change" data-previous={previous ?? ''}>
      {previous === null ? '' : `was ${show(previous)} · `}
      <Change figure={{ value, previous, change }} />
    </dd>
  )
}
