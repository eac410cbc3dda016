import type { FC } from 'hono/jsx'

export interface ChartSeries {
  label: string
  values: number[]
  /** Series on different scales get their own axis (money and counts, say). */
  scale?: string
}

/**
 * The chart's times in seconds: evenly spaced ones (a point a second, a day) as their first and
 * their step, which a live chart sends every second to every viewer; others as they are.
 */
function times(x: number[]): { x: number[] } | { x0: number; dx: number; n: number } {
  const seconds = x.map((ms) => Math.floor(ms / 1000))
  const [x0 = 0, x1 = x0] = seconds
  const dx = x1 - x0
  const even = seconds.length > 2 && seconds.every((t, i) => t === x0 + i * dx)
  return even ? { x0, dx, n: seconds.length } : { x: seconds }
}

/**
 * A time chart, drawn in the browser by /static/charts.js with uPlot from its data attribute; the
 * table next to it (or the figures) carry the same numbers for readers without JavaScript.
 */
export const Chart: FC<{ id: string; title: string; x: number[]; series: ChartSeries[] }> = ({
  id,
  title,
  x,
  series,
}) => (
  <figure class="chart-figure">
    <figcaption>{title}</figcaption>
    <div class="chart" id={id} data-chart={JSON.stringify({ ...times(x), series })} />
  </figure>
)
