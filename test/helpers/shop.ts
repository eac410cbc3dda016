import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Hono } from 'hono'
import { type Product, seedCatalog } from '../../services/catalog/index.ts'
import { type RunningRecommender, startRecommender } from '../../services/recommender/index.ts'
import type { ConsumedRecord, EventBus } from '../../shared/bus/types.ts'
import { type Platform, startPlatform } from '../../shared/platform.ts'
import { createShopApp } from '../../web/app.tsx'
import { eventually, readTopic, tempDatabase, testConfig } from './broker.ts'

export interface TestShop {
  platform: Platform
  recommender: RunningRecommender
  app: Hono
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>
  close(): Promise<void>
}

/** The whole shop on the run's broker and a fresh database file, called through `app.request`. */
export async function startTestShop(overrides: Record<string, string> = {}): Promise<TestShop> {
  const scratch = await tempDatabase()
  scratch.close()
  const platform = await startPlatform(
    testConfig({
      DATABASE_URL: `file:${join(scratch.dir, 'shop.db')}`,
      // The run's broker holds every earlier test's events: the models start from now.
      RECOMMENDER_REPLAY_FROM: new Date().toISOString(),
      ...overrides,
    }),
    { allowEmbedded: false },
  )
  const recommender = await startRecommender(platform)
  await platform.consumers.start(recommender.consumers)
  const app = createShopApp(platform, { recommender })
  return {
    platform,
    recommender,
    app,
    post: (path, body, headers = {}) =>
      Promise.resolve(
        app.request(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      ),
    close: async () => {
      await recommender.close()
      await platform.close()
      rmSync(scratch.dir, { recursive: true, force: true })
    },
  }
}

/**
 * A test shop with the demo catalog, once the recommender has learned it from the log (the
 * catalog's product.created events): the first `pageSize` products, as the API lists them.
 */
export async function startSeededShop(
  overrides: Record<string, string> = {},
  pageSize = 50,
): Promise<{ shop: TestShop; products: Product[] }> {
  const shop = await startTestShop(overrides)
  await seedCatalog(shop.platform.database.db)
  const res = await shop.app.request(`/api/products?pageSize=${pageSize}`)
  const products = ((await res.json()) as { data: Product[] }).data
  await eventually(
    () => shop.recommender.recommender.liveMetrics().products >= products.length,
    30_000,
    'the recommender to learn the catalog',
  )
  return { shop, products }
}

/**
 * What was published on one of the shop's topics from `since` (ms since the epoch) on, once `until`
 * holds, up to the end offsets of that moment, so that late duplicates would be seen too. The
 * shop's topics on the run's broker hold every earlier run's records (millions, after the benches),
 * so reading them from the beginning would take minutes.
 */
export function readTopicSince(
  bus: EventBus,
  topic: string,
  since: number,
  until: (records: ConsumedRecord[]) => boolean,
  timeoutMs = 30_000,
): Promise<ConsumedRecord[]> {
  return readTopic(bus, topic, until, timeoutMs, since)
}
