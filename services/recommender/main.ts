// `bun services/recommender/main.ts`: the recommender alone, following the log on the configured
// broker and answering on PORT. Any number of these can run: each rebuilds the models from the log.
import { config } from '../../shared/config/index.ts'
import { createServiceApp, serve } from '../../shared/http/serve.ts'
import { log } from '../../shared/observability/log.ts'
import { closeOnSignals, startPlatform } from '../../shared/platform.ts'
import { listCategories } from '../catalog/index.ts'
import { startRecommender } from './service.ts'

// Its own outbox rows (the recommendations it announces) go out through whichever process holds
// the relay's lease on this database.
const platform = await startPlatform(config, { allowEmbedded: false })
const running = await startRecommender(platform, {
  categoryNames: async () =>
    new Map((await listCategories(platform.database.db)).map((c) => [c.id, c.name])),
})
await platform.consumers.start(running.consumers)
const app = createServiceApp(platform, 'recommender')
app.route('/', running.routes)
const server = serve(app, platform)
log.info({ url: server.url.href }, 'recommender is serving')
closeOnSignals(async () => {
  await server.stop()
  await running.close()
  await platform.close()
})
