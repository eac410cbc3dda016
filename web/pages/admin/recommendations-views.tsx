import type { FC } from 'hono/jsx'
import type { Visitor } from '../../../services/accounts/index.ts'
import type {
  ExperimentResults,
  Recommender,
  VariantResult,
} from '../../../services/recommender/index.ts'
import { AdminLayout } from './admin-layout.tsx'

/** What this process's models report: update rate and time, size, training, online quality. */
export type ModelFigures = ReturnType<Recommender['liveMetrics']> & {
  quality: ReturnType<Recommender['quality']['snapshot']>
}

/** A recommender group's lag on one topic, over its partitions. */
export interface GroupLag {
  group: string
  topic: string
  partitions: number
  lag: number
}

export interface RecommendationsFigures {
  /** Newest first: the running one is usually on top. */
  experiments: ExperimentResults[]
  model: ModelFigures | null
  /** Every event the shop took in, per second, over the last minute (analytics' count). */
  eventsPerSecond: number
  /** Null when the broker did not answer in time. */
  lag: GroupLag[] | null
}

type Rate = VariantResult['ctr']
type Comparison = NonNullable<VariantResult['vsControl']>['ctr']

const percent = (rate: number | null | undefined) =>
  rate === null || rate === undefined ? '–' : `${(rate * 100).toFixed(1)}%`

/** A rate with its 95% interval: `25.0% (9.1%–53.2%)`. */
export function rateText(rate: Rate): string {
  if (rate.rate === null || rate.ci === null) return '–'
  return `${percent(rate.rate)} (${percent(rate.ci.low)}–${percent(rate.ci.high)})`
}

/** A test against the control, in words: significant or not, with z and p. */
export function comparisonText(test: Comparison | undefined): string {
  if (!test) return 'control'
  if (!test.ok) return 'no data yet'
  const p = test.p < 0.001 ? 'p < 0.001' : `p = ${test.p.toFixed(3)}`
  return `${test.significant ? 'significant' : 'not significant'} (z = ${test.z.toFixed(2)}, ${p})`
}

const ExperimentTable: FC<{ experiment: ExperimentResults }> = ({ experiment: e }) => (
  <table class="admin-table" id={`experiment-${e.experimentId}`} data-experiment={e.experimentId}>
    <caption>
      {e.name} ({e.experimentId}, {e.status}; tests at α = {e.alpha})
    </caption>
    <thead>
      <tr>
        <th scope="col">Variant</th>
        <th scope="col">Strategy</th>
        <th scope="col">Exposed shoppers</th>
        <th scope="col">Clicks</th>
        <th scope="col">CTR (95% interval)</th>
        <th scope="col">Conversions</th>
        <th scope="col">Conversion (95% interval)</th>
        <th scope="col">CTR vs control</th>
        <th scope="col">Conversion vs control</th>
      </tr>
    </thead>
    <tbody>
      {e.variants.map((v) => (
        <tr data-variant={v.variant}>
          <th scope="row">{v.variant}</th>
          <td>{v.strategy}</td>
          <td>{v.counts.exposures}</td>
          <td>{v.counts.clicks}</td>
          <td data-rate="ctr">{rateText(v.ctr)}</td>
          <td>{v.counts.conversions}</td>
          <td data-rate="conversion">{rateText(v.conversionRate)}</td>
          <td>{comparisonText(v.vsControl?.ctr)}</td>
          <td>{comparisonText(v.vsControl?.conversionRate)}</td>
        </tr>
      ))}
    </tbody>
  </table>
)

const Figure: FC<{ id: string; label: string; value: string | number }> = (p) => (
  <div data-figure={p.id}>
    <dt>{p.label}</dt>
    <dd>{p.value}</dd>
  </div>
)

/** This process's models: what they applied, how fast, and how their answers fare online. */
const ModelMetrics: FC<{ model: ModelFigures | null; eventsPerSecond: number }> = (p) => (
  <dl class="figures" id="model-metrics">
    <Figure
      id="shop-events-per-second"
      label="Shop events/s (last minute)"
      value={p.eventsPerSecond.toFixed(1)}
    />
    {p.model ? (
      <>
        <Figure
          id="model-events-per-second"
          label="Model events/s"
          value={p.model.eventsPerSecond.toFixed(1)}
        />
        <Figure id="events-applied" label="Events applied" value={p.model.eventsApplied} />
        <Figure
          id="processing-ms"
          label="Mean processing time"
          value={`${p.model.avgProcessingMs.toFixed(3)} ms`}
        />
        <Figure id="model-users" label="Shoppers known" value={p.model.users} />
        <Figure id="model-products" label="Products known" value={p.model.products} />
        <Figure
          id="caught-up"
          label="Caught up with the log"
          value={p.model.caughtUp ? 'yes' : 'no'}
        />
        <Figure
          id="last-training"
          label="Last training"
          value={
            p.model.training
              ? `${p.model.training.ms.toFixed(0)} ms, ${p.model.training.items} products`
              : 'not yet'
          }
        />
        <Figure id="shown" label="Recommendations shown" value={p.model.quality.shown} />
        <Figure id="online-ctr" label="Online CTR" value={percent(p.model.quality.ctr)} />
        <Figure
          id="online-precision"
          label="Online precision"
          value={percent(p.model.quality.precision)}
        />
      </>
    ) : (
      <div>
        <dt>Models</dt>
        <dd>No recommender runs in this process</dd>
      </div>
    )}
  </dl>
)

const ConsumerLag: FC<{ lag: RecommendationsFigures['lag'] }> = ({ lag }) =>
  lag === null ? (
    <p class="muted" id="consumer-lag">
      The broker did not answer: consumer lag unknown.
    </p>
  ) : (
    <table class="admin-table" id="consumer-lag">
      <caption>The recommender's consumer groups: records not yet committed</caption>
      <thead>
        <tr>
          <th scope="col">Group</th>
          <th scope="col">Topic</th>
          <th scope="col">Partitions</th>
          <th scope="col">Lag</th>
        </tr>
      </thead>
      <tbody>
        {lag.map((g) => (
          <tr data-group={g.group} data-topic={g.topic}>
            <td>{g.group}</td>
            <td>{g.topic}</td>
            <td>{g.partitions}</td>
            <td>{g.lag}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )

/** Experiments, models and lag: the part the stream re-renders. */
export const RecommendationsFiguresView: FC<{ figures: RecommendationsFigures }> = ({
  figures,
}) => (
  <section id="admin-recommendations-figures">
    <h2>A/B experiments</h2>
    {figures.experiments.length === 0 ? <p>No experiments yet.</p> : null}
    {figures.experiments.map((e) => (
      <ExperimentTable experiment={e} />
    ))}
    <h2>Models</h2>
    <ModelMetrics model={figures.model} eventsPerSecond={figures.eventsPerSecond} />
    <h2>Consumer lag</h2>
    <ConsumerLag lag={figures.lag} />
  </section>
)

export const RecommendationsPage: FC<{
  visitor: Visitor
  figures: RecommendationsFigures
  live: string
}> = (p) => (
  <AdminLayout title="Recommendations" visitor={p.visitor} tab="recommendations" live={[p.live]}>
    <h1>Recommendations</h1>
    <p>
      <a href="/admin/recommendations?format=csv">Download the variants as CSV</a>
    </p>
    <RecommendationsFiguresView figures={p.figures} />
  </AdminLayout>
)
