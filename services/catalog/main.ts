// Runs the catalog alone: `bun services/catalog/main.ts`.
import type { MiddlewareHandler } from 'hono'
import { config } from '../../shared/config/index.ts'
import { AppError } from '../../shared/errors.ts'
import { createServiceApp, serve } from '../../shared/http/serve.ts'
import { log } from '../../shared/observability/log.ts'
import { closeOnSignals, startPlatform } from '../../shared/platform.ts'
import { mountCatalog } from './index.ts'

// Alone, the catalog has no sessions to tell an admin from anyone else, so it serves reads only;
// admin writes go through the whole shop (`bun run dev`), where accounts provides the role check.
const refuseAdminWrites: MiddlewareHandler = async () => {
  throw new AppError('Admin writes are not served by the catalog alone; use the shop', {
    code: 'FORBIDDEN',
    status: 403,
  })
}

const platform = await startPlatform(config, { allowEmbedded: false })
const app = createServiceApp(platform, 'catalog')
mountCatalog(app, platform, { requireAdmin: refuseAdminWrites })
const server = serve(app, platform)
log.info({ url: server.url.href, bus: platform.bus.description }, 'catalog service listening')
closeOnSignals(async () => {
  await server.stop()
  await platform.close()
})
