// Runs the ingest service alone: `bun services/ingest/main.ts`.
import { config } from '../../shared/config/index.ts'
import { createServiceApp, serve } from '../../shared/http/serve.ts'
import { log } from '../../shared/observability/log.ts'
import { closeOnSignals, startPlatform } from '../../shared/platform.ts'
import { mountIngest } from './index.ts'

const platform = await startPlatform(config, { allowEmbedded: false })
const app = createServiceApp(platform, 'ingest')
mountIngest(app, platform)
const server = serve(app, platform)
log.info({ url: server.url.href, bus: platform.bus.description }, 'ingest service listening')
closeOnSignals(async () => {
  await server.stop()
  await platform.close()
})
