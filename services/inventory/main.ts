// Runs the inventory context's consumers alone: `bun services/inventory/main.ts` (health,
// readiness and metrics on PORT). Replicas share the consumer groups and split the partitions;
// another process on the same database can reserve at the same time without overselling, since
// every reservation is one conditional update. Point DATABASE_URL at the shop's database.
import { config } from '../../shared/config/index.ts'
import { createServiceApp, serve } from '../../shared/http/serve.ts'
import { log } from '../../shared/observability/log.ts'
import { closeOnSignals, startPlatform } from '../../shared/platform.ts'
import { consumers } from './index.ts'

const platform = await startPlatform(config, { allowEmbedded: false })
await platform.consumers.start(consumers)
const server = serve(createServiceApp(platform, 'inventory'), platform)
log.info({ url: server.url.href, bus: platform.bus.description }, 'inventory service listening')
closeOnSignals(async () => {
  await server.stop()
  await platform.close()
})
