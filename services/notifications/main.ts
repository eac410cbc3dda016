// Runs the notifications context's consumers alone: `bun services/notifications/main.ts` (health,
// readiness and metrics on PORT). Replicas share the consumer group and split the partitions. Point
// DATABASE_URL at the database the shop reads (a libSQL server), so the messages stored here are
// the ones the shop's menu lists. `watchNotifications` only hears changes made in its own process:
// pages served by another process learn of new messages from `notification-events`.
import { config } from '../../shared/config/index.ts'
import { createServiceApp, serve } from '../../shared/http/serve.ts'
import { log } from '../../shared/observability/log.ts'
import { closeOnSignals, startPlatform } from '../../shared/platform.ts'
import { consumers } from './index.ts'

const platform = await startPlatform(config, { allowEmbedded: false })
await platform.consumers.start(consumers)
const server = serve(createServiceApp(platform, 'notifications'), platform)
log.info({ url: server.url.href, bus: platform.bus.description }, 'notifications service listening')
closeOnSignals(async () => {
  await server.stop()
  await platform.close()
})
