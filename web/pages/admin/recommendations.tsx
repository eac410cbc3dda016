// The admin's Recommendations tab: each A/B experiment's variants with CTR, conversion, their 95%
// intervals and significance against the control; the models' figures; the shop's events/s; and
// the recommender's consumer groups' lag. Live, and the variants as CSV (`?format=csv`).
import { type Context, Hono } from 'hono'
import { z } from 'zod'
import type { VisitorEnv } from '../../../services/accounts/index.ts'
import { eventsPerSecond } from '../../../services/analytics/index.ts'
import {
  allExperimentResults,
  type ExperimentResults,
  type RecommendationServing,
} from '../../../services/recommender/index.ts'
import type { EventBus } from '../../../shared/bus/types.ts'
import type { Db } from '../../../shared/db/client.ts'
import { catalogWithDlqs } from '../../../shared/events/topics.ts'
import { type CsvCell, toCsv } from '../../../shared/http/csv.ts'
import { parseOrThrow } from '../../../shared/http/validate.ts'
import {
  type GroupLag,
  type RecommendationsFigures,
  RecommendationsPage,
} from './recommendations-views.tsx'

/** The recommender's consumer groups all start so (README: the recommender). */
const RECOMMENDER_GROUPS = /^recommender(-|$)/
/** A broker slow to answer (a rebalance, an outage) must not hold the page or its stream. */
const BROKER_QUERY_MS = 2000
/** The shop's events/s is the mean over this last stretch of event time. */
const RATE_WINDOW_MS = 60_000

export interface RecommendationsDeps {
  db: Db
  bus: EventBus
  /** The recommender running in this process; without one there are no model figures to show. */
  serving?: RecommendationServing
}

async function within<T>(ms: number, work: Promise<T>): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms)
  })
  try {
    return await Promise.race([work.catch(() => null), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Lag of every recommender group on the topics it has committed on, summed per topic. */
async function recommenderLag(bus: EventBus): Promise<GroupLag[]> {
  const topics = catalogWithDlqs().map((t) => t.name)
  const groups = (await bus.listGroups()).filter((g) => RECOMMENDER_GROUPS.test(g)).sort()
  const lags = await Promise.all(
    groups.map(async (group) => ({
      group,
      partitions: await bus.lag(group, topics, { committedOnly: true }),
    })),
  )
  return lags.flatMap(({ group, partitions }) =>
    [...Map.groupBy(partitions, (p) => p.topic)].map(([topic, ps]) => ({
      group,
      topic,
      partitions: ps.length,
      lag: ps.reduce((n, p) => n + Number(p.lag), 0),
    })),
  )
}

/** Everything the tab shows, read now. */
export async function recommendationsFigures(
  deps: RecommendationsDeps,
  now = Date.now(),
): Promise<RecommendationsFigures> {
  const recommender = deps.serving?.recommender
  const [experiments, rate, lag] = await Promise.all([
    allExperimentResults(deps.db),
    eventsPerSecond(deps.db, { from: now - RATE_WINDOW_MS, to: now }),
    within(BROKER_QUERY_MS, recommenderLag(deps.bus)),
  ])
  const events = rate.events.reduce((n, e) => n + e, 0)
  return {
    experiments: experiments.reverse(),
    model: recommender
      ? { ...recommender.liveMetrics(), quality: recommender.quality.snapshot() }
      : null,
    eventsPerSecond: rate.seconds.length ? events / rate.seconds.length : 0,
    lag,
  }
}

/** What changes the figures: not the model's rate of the moment, which moves every second. */
export function figuresVersion(figures: RecommendationsFigures): string {
  const { model, ...rest } = figures
  return JSON.stringify({
    ...rest,
    model: model && {
      applied: model.eventsApplied,
      skipped: model.eventsSkipped,
      caughtUp: model.caughtUp,
      training: model.training,
      quality: model.quality,
    },
    eventsPerSecond: Math.round(figures.eventsPerSecond * 10),
  })
}

const VARIANT_COLUMNS = [
  'experimentId',
  'experiment',
  'status',
  'variant',
  'strategy',
  'control',
  'exposures',
  'clicks',
  'conversions',
  'clickedUsers',
  'convertedUsers',
  'ctr',
  'ctrLow',
  'ctrHigh',
  'conversionRate',
  'conversionLow',
  'conversionHigh',
  'ctrZ',
  'ctrP',
  'ctrSignificant',
  'conversionZ',
  'conversionP',
  'conversionSignificant',
]

/** A row per variant of every experiment, with its rates, intervals and test against the control. */
function variantRows(experiments: readonly ExperimentResults[]): CsvCell[][] {
  const test = (t: { ok: boolean; z?: number; p?: number; significant: boolean } | undefined) =>
    t?.ok ? [t.z, t.p, t.significant ? 'yes' : 'no'] : [null, null, null]
  return experiments.flatMap((e) =>
    e.variants.map((v) => [
      e.experimentId,
      e.name,
      e.status,
      v.variant,
      v.strategy,
      v.isControl ? 'yes' : 'no',
      v.counts.exposures,
      v.counts.clicks,
      v.counts.conversions,
      v.counts.clickedUsers,
      v.counts.convertedUsers,
      v.ctr.rate,
      v.ctr.ci?.low,
      v.ctr.ci?.high,
      v.conversionRate.rate,
      v.conversionRate.ci?.low,
      v.conversionRate.ci?.high,
      ...test(v.vsControl?.ctr),
      ...test(v.vsControl?.conversionRate),
    ]),
  )
}

const querySchema = z.object({ format: z.enum(['html', 'csv']).default('html') })

export function adminRecommendationsPages(deps: RecommendationsDeps): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
  app.get('/admin/recommendations', async (c: Context<VisitorEnv>) => {
    const { format } = parseOrThrow(querySchema, { format: c.req.query('format') }, 'The query')
    if (format === 'csv') {
      const experiments = (await allExperimentResults(deps.db)).reverse()
      return c.body(toCsv(VARIANT_COLUMNS, variantRows(experiments)), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': 'attachment; filename="recommendations.csv"',
      })
    }
    return c.html(
      <RecommendationsPage
        visitor={c.get('visitor')}
        figures={await recommendationsFigures(deps)}
        live="admin-recommendations"
      />,
    )
  })
  return app
}
