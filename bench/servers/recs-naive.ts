// The baseline of `bun run bench recs` in its own process: the shop's ingest (POST /api/events,
// outbox, relay, Kafka) and a follower of its own on the behaviour topics, feeding the naive
// recommender, which answers every request by recomputing from all the events it kept. The bench
// shoppers' history is applied straight into it before it listens, as in the shop's process.

import { mountIngest } from '../../services/ingest/index.ts'
import { MODEL_TOPICS } from '../../services/recommender/events.ts'
import { config } from '../../shared/config/index.ts'
import { fromRecord } from '../../shared/events/envelope.ts'
import { createServiceApp, serve } from '../../shared/http/serve.ts'
import { closeOnSignals, startPlatform } from '../../shared/platform.ts'
import { catalogFacts, historyEnvelopes } from '../recs-history.ts'
import { NaiveRecommender, naiveRoutes } from '../recs-naive.ts'

const platform = await startPlatform(config, { allowEmbedded: false })
const naive = new NaiveRecommender(catalogFacts())
const started = performance.now()
for (const envelope of historyEnvelopes({ endAt: Date.now() })) naive.apply(envelope)
const preloadMs = performance.now() - started

// Like the shop's follower: a group of its own, from now (the history is already applied).
const group = `bench-recs-naive-${Bun.randomUUIDv7()}`
const from = Date.now()
for (const topic of MODEL_TOPICS) await platform.bus.seek(group, topic, { timestamp: from })
const subscription = await platform.bus.subscribe({
  group,
  topics: MODEL_TOPICS,
  handler: async (record) => {
    naive.apply(fromRecord(record))
  },
})
await subscription.ready()

const app = createServiceApp(platform, 'recs-naive')
mountIngest(app, platform)
app.route('/', naiveRoutes(naive))
app.get('/bench/setup', (c) => c.json({ events: naive.events, preloadMs }))
const server = serve(app, platform)
console.log(`BENCH_PORT=${server.port}`)
closeOnSignals(async () => {
  await server.stop(true)
  await subscription.close()
  await platform.bus.deleteGroup(group).catch(() => {})
  await platform.close()
})
