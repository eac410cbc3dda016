import type { FC } from 'hono/jsx'
import type { DayRange } from '../../../shared/http/day-range.ts'

/** The admin pages' date filter: a GET form of UTC days, keeping the page's other parameters. */
export const RangeFilter: FC<{
  action: string
  range: DayRange
  keep?: Record<string, string | null | undefined>
  note?: string
}> = ({ action, range, keep, note }) => (
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
    <button type="submit">Show</button>
    {note ? <span class="muted">{note}</span> : null}
  </form>
)
