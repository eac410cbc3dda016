// Runs the order saga's orchestrator alone: `bun services/orders/main.ts` — its consumers of the
// participants' answers and its durable timeouts, with health, readiness and metrics on PORT.
// Point DATABASE_URL at the database the shop's orders live in, so it moves the orders the shop
// takes. Replicas share the consumer groups; each deadline is acted on by one of them.
import { config } from '../../shared/config/index.ts'
import { createServiceApp, serve } from '../../shared/http/serve.ts'
import { log } from '../../shared/observability/log.ts'
import { closeOnSignals, startPlatform } from '../../shared/platform.ts'
import { orderConsumers, startSagaDeadlines } from './index.ts'

const platform = await startPlatform(config, { allowEmbedded: false })
await platform.consumers.start(orderConsumers(config))
const deadlines = startSagaDeadlines(platform.database.db, config)
const server = serve(createServiceApp(platform, 'orders'), platform)
log.info({ url: server.url.href, bus: platform.bus.description }, 'orders service listening')
closeOnSignals(async () => {
  await server.stop()
  await deadlines.stop()
  await platform.close()
})
