// Runs the payments context's consumers alone: `bun services/payments/main.ts` (health, readiness
// and metrics on PORT). Replicas share the consumer group and split the partitions. Point
// DATABASE_URL at the database the shop's orders live in (a libSQL server), so every replica
// records payments where the others see them.
import { config } from '../../shared/config/index.ts'
import { createServiceApp, serve } from '../../shared/http/serve.ts'
import { log } from '../../shared/observability/log.ts'
import { closeOnSignals, startPlatform } from '../../shared/platform.ts'
import { consumers } from './index.ts'

const platform = await startPlatform(config, { allowEmbedded: false })
await platform.consumers.start(consumers(config))
const server = serve(createServiceApp(platform, 'payments'), platform)
log.info({ url: server.url.href, bus: platform.bus.description }, 'payments service listening')
closeOnSignals(async () => {
  await server.stop()
  await platform.close()
})
