import type { FC } from 'hono/jsx'
import type { DayRange } from '../../../shared/http/day-range.ts'

/**
 * The admin pages' date filter: a GET form of UTC days, keeping the page's other parameters, with
 * "compare to the previous period" on the pages that can show it (`compare` given).
 */
export const RangeFilter: FC<{
  action: string
  range: DayRange
  keep?: Record<string, string | null | undefined>
  note?: string
  /** Whether the previous period is shown; absent, the page offers no comparison. */
  compare?: boolean
}> = ({ action, range, keep, note, compare }) => (
  <form method="get" action={action} class="range-filter">
    <label>
      From <input type="date" name="from" value={range.from} required />
    </label>
    <label>
      To <input type="date" name="to" value={range.to} required />
    </label>
    {Object.entries(keep ?? {}).map(([name, value]) =>
      value ? <input type="hidden" name={name} value={value} /> : null,
    )}
    {compare === undefined ? null : (
      <label>
        <input type="checkbox" name="compare" value="1" checked={compare} /> Compare to the previous
        period
      </label>
    )}
    <button type="submit">Show</button>
    {note ? <span class="muted">{note}</span> : null}
  </form>
)
