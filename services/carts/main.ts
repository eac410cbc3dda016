// Runs the carts context's consumers alone: `bun services/carts/main.ts` (health, readiness and
// metrics on PORT). Replicas share the consumer group and split the partitions. Point
// DATABASE_URL at the database the shop's carts live in (a libSQL server), so the consumers
// change the carts the shop serves.
import { config } from '../../shared/config/index.ts'
import { createServiceApp, serve } from '../../shared/http/serve.ts'
import { log } from '../../shared/observability/log.ts'
import { closeOnSignals, startPlatform } from '../../shared/platform.ts'
import { consumers } from './index.ts'

const platform = await startPlatform(config, { allowEmbedded: false })
await platform.consumers.start(consumers)
const server = serve(createServiceApp(platform, 'carts'), platform)
log.info({ url: server.url.href, bus: platform.bus.description }, 'carts service listening')
closeOnSignals(async () => {
  await server.stop()
  await platform.close()
})
