import type { FC } from 'hono/jsx'

export interface ChartSeries {
  label: string
  values: number[]
  /** Series on different scales get their own axis (money and counts, say). */
  scale?: string
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
    <div
      class="chart"
      id={id}
      data-chart={JSON.stringify({ x: x.map((ms) => Math.floor(ms / 1000)), series })}
    />
  </figure>
)
