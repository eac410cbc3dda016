// The shop as `bun run bench recs` measures it: the whole app of `bun run dev` (ingest, outbox,
// relay, the recommender following Kafka, its routes and streams) on the seeded catalog, with the
// bench shoppers' history applied straight into the running recommender before it listens —
// replaying 200,000 events through Kafka would make the setup minutes instead of seconds.
import { listCategories, seedCatalog } from '../../services/catalog/index.ts'
import { startRecommender } from '../../services/recommender/index.ts'
import { config } from '../../shared/config/index.ts'
import { serve } from '../../shared/http/serve.ts'
import { closeOnSignals, startPlatform } from '../../shared/platform.ts'
import { createShopApp } from '../../web/app.tsx'
import { shopConsumers } from '../../web/consumers.ts'
import { historyEnvelopes } from '../recs-history.ts'

const CATALOG_TIMEOUT_MS = 60_000

const platform = await startPlatform(config, { allowEmbedded: false })
const seeded = await seedCatalog(platform.database.db)
const running = await startRecommender(platform, {
  categoryNames: async () =>
    new Map((await listCategories(platform.database.db)).map((c) => [c.id, c.name])),
})
const { recommender } = running
// As `bun run dev` runs them, but from the end of their topics: the broker keeps earlier runs'
// events (millions, after the ingest bench), a backlog that is not this bench's load.
const consumers = [...shopConsumers(config), ...running.consumers]
for (const c of consumers) {
  if ((await platform.bus.groupMembers(c.group)) === 0)
    await platform.bus.seek(c.group, c.topic, 'latest')
}
await platform.consumers.start(consumers)
// The catalog reaches the models the production way: seedCatalog's product.created events, through
// the outbox, the relay and Kafka.
const deadline = Date.now() + CATALOG_TIMEOUT_MS
while (recommender.liveMetrics().products < seeded.products) {
  if (Date.now() > deadline) throw new Error('the recommender did not learn the catalog in 60 s')
  await Bun.sleep(50)
}
const started = performance.now()
let events = 0
for (const envelope of historyEnvelopes({ endAt: Date.now() })) {
  recommender.apply(envelope)
  events++
}
const preloadMs = performance.now() - started
const train = await running.trainer.trainIfChanged()

const app = createShopApp(platform, { recommender: running })
app.get('/bench/setup', (c) =>
  c.json({
    catalog: seeded,
    events,
    preloadMs,
    trainMs: train?.ms ?? null,
    strategy: config.RECOMMENDER_DEFAULT_STRATEGY,
    models: recommender.liveMetrics(),
  }),
)
const server = serve(app, platform)
console.log(`BENCH_PORT=${server.port}`)
closeOnSignals(async () => {
  await server.stop(true)
  await running.close()
  await platform.close()
})
