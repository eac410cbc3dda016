// One running recommender: the models, the log follower that feeds them, the background trainer,
// and the routes that answer from them.
import type { Hono } from 'hono'
import type { Platform } from '../../shared/platform.ts'
import { followLog, type LogFollower } from './follower.ts'
import { Recommender } from './recommender.ts'
import { recommenderRoutes } from './routes.ts'
import { BackgroundTrainer } from './trainer.ts'

export interface RunningRecommender {
  recommender: Recommender
  routes: Hono
  follower: LogFollower
  trainer: BackgroundTrainer
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
  const recommender = new Recommender({ maxItems: config.RECOMMENDER_EASE_MAX_ITEMS })
  if (opts.categoryNames) recommender.setCategoryNames(await opts.categoryNames())
  const from =
    config.RECOMMENDER_REPLAY_FROM === 'earliest'
      ? undefined
      : Date.parse(config.RECOMMENDER_REPLAY_FROM)
  const follower = await followLog(bus, recommender, { from })
  const trainer = new BackgroundTrainer(recommender, {
    intervalMs: config.RECOMMENDER_TRAIN_INTERVAL_MS,
    maxItems: config.RECOMMENDER_EASE_MAX_ITEMS,
  })
  void follower.caughtUp.then(() => trainer.trainIfChanged())
  trainer.start()
  const routes = recommenderRoutes({
    recommender,
    defaultStrategy: config.RECOMMENDER_DEFAULT_STRATEGY,
    consumers: async () => ({
      group: follower.group,
      lag: (await bus.lag(follower.group, ['user-events', 'cart-events'])).map((p) => ({
        topic: p.topic,
        partition: p.partition,
        lag: Number(p.lag),
      })),
    }),
  })
  return {
    recommender,
    routes,
    follower,
    trainer,
    async close() {
      trainer.close()
      await follower.close()
    },
  }
}
