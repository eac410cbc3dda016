// One running recommender: the models, the log follower that feeds them, the background trainer,
// and the routes that answer from them.
import { hostname } from 'node:os'
import type { Hono } from 'hono'
import type { ConsumerDefinition } from '../../shared/consumers/define.ts'
import type { Platform } from '../../shared/platform.ts'
import { abTestResults } from './consumers/ab-test-events.ts'
import { modelInputConsumers } from './consumers/model-input.ts'
import { attributionConsumer } from './consumers/user-events.ts'
import { MODEL_TOPICS } from './events.ts'
import { parseExperiments } from './experiments/config.ts'
import { chooseStrategy, ExperimentRegistry } from './experiments/registry.ts'
import { addConfiguredExperiments } from './experiments/store.ts'
import type { LogFollower } from './follower.ts'
import { modelMetricsEvent, reportModelMetrics } from './model-metrics.ts'
import { RECOMMENDER_GROUP, RecommendationPublisher } from './publisher.ts'
import { Recommender } from './recommender.ts'
import { followLogWithReplays } from './replay.ts'
import { RequestLog } from './request-log.ts'
import { recommenderRoutes } from './routes.ts'
import { RecommendationServing } from './serving.ts'
import { BackgroundTrainer } from './trainer.ts'

/** How long the live metrics wait for the broker's answer about lag. */
const BROKER_QUERY_MS = 2000

async function within<T, F>(ms: number, fallback: F, work: () => Promise<T>): Promise<T | F> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms)
  })
  try {
    return await Promise.race([work(), timeout])
  } finally {
    clearTimeout(timer)
  }
}

export interface RunningRecommender {
  recommender: Recommender
  routes: Hono
  follower: LogFollower
  trainer: BackgroundTrainer
  publisher: RecommendationPublisher
  /** Answers asks for recommendations, the way the routes and the storefront's panels do. */
  serving: RecommendationServing
  /** The A/B experiments: which one runs, and each shopper's variant in it. */
  experiments: ExperimentRegistry
  /** What turns clicks and purchases into A/B facts, and stores them: `platform.consumers.start(…)`. */
  consumers: ConsumerDefinition[]
  close(): Promise<void>
}

export interface StartOptions {
  /** Category names for reasons ("popular in Outdoor"), from the catalog. */
  categoryNames?: () => Promise<Map<string, string>>
}

/** Starts following the log; requests are answered at once, from whatever has been applied. */
export async function startRecommender(
  platform: Platform,
  opts: StartOptions = {},
): Promise<RunningRecommender> {
  const { config, bus } = platform
  const recommender = new Recommender({
    maxItems: config.RECOMMENDER_EASE_MAX_ITEMS,
    maxUsers: config.RECOMMENDER_MAX_USERS,
  })
  const replica = `${hostname()}/${process.pid}`
  const db = platform.database.db
  await addConfiguredExperiments(db, parseExperiments(config.RECOMMENDER_EXPERIMENTS))
  const experiments = new ExperimentRegistry({ db, outbox: platform.outbox })
  await experiments.start()
  if (opts.categoryNames) recommender.setCategoryNames(await opts.categoryNames())
  const from =
    config.RECOMMENDER_REPLAY_FROM === 'earliest'
      ? undefined
      : Date.parse(config.RECOMMENDER_REPLAY_FROM)
  const publisher = new RecommendationPublisher({
    bus,
    outbox: platform.outbox,
    recommender,
    strategyFor: (userId) =>
      chooseStrategy(experiments, userId, undefined, config.RECOMMENDER_DEFAULT_STRATEGY).strategy,
    replica,
  })
  await publisher.start()
  // It also rebuilds the models without a pause when an operator asks (`bun run replay`).
  const follower = await followLogWithReplays(bus, recommender, {
    from,
    replica,
    onApplied: (userId) => {
      if (userId) publisher.changed(userId)
    },
    easeMaxItems: config.RECOMMENDER_EASE_MAX_ITEMS,
    retrain: () => trainer.trainIfChanged(),
  })
  const trainer = new BackgroundTrainer(recommender, {
    intervalMs: config.RECOMMENDER_TRAIN_INTERVAL_MS,
    maxItems: config.RECOMMENDER_EASE_MAX_ITEMS,
  })
  void follower.caughtUp.then(() => trainer.trainIfChanged())
  trainer.start()
  const requestLog = new RequestLog({
    url: platform.database.url,
    authToken: config.DATABASE_AUTH_TOKEN,
    synchronous: config.DATABASE_SYNCHRONOUS,
    replica,
  })
  const serving = new RecommendationServing({
    recommender,
    experiments,
    defaultStrategy: config.RECOMMENDER_DEFAULT_STRATEGY,
    requestLog,
  })
  const metrics = reportModelMetrics(platform.outbox, config.RECOMMENDER_METRICS_INTERVAL_MS, () =>
    modelMetricsEvent(recommender, trainer, replica),
  )
  const routes = recommenderRoutes({
    serving,
    requestLog,
    consumers: async () => ({
      replicaGroup: follower.group,
      // The broker may be slow to answer (a rebalance, an outage): the figures must not be.
      lag: await within(BROKER_QUERY_MS, null, async () =>
        (await bus.lag(follower.group, MODEL_TOPICS)).map((p) => ({
          topic: p.topic,
          partition: p.partition,
          lag: Number(p.lag),
        })),
      ),
      group: RECOMMENDER_GROUP,
      replica,
      ownedPartitions: publisher.ownedPartitions(),
      published: publisher.published,
    }),
  })
  return {
    recommender,
    routes,
    follower,
    trainer,
    publisher,
    serving,
    experiments,
    consumers: [...modelInputConsumers(), attributionConsumer(experiments), abTestResults],
    async close() {
      metrics.stop()
      experiments.close()
      await requestLog.close()
      trainer.close()
      await publisher.close()
      await follower.close()
    },
  }
}
