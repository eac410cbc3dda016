// Streamshop's ingest service as the benchmark runs it: in its own process, as in production, on
// the broker and database file the bench passes through the environment. Like
// services/ingest/main.ts, but it prints the port it got, since the bench asks for PORT=0.
import { mountIngest } from '../../services/ingest/index.ts'
import { config } from '../../shared/config/index.ts'
import { createServiceApp, serve } from '../../shared/http/serve.ts'
import { closeOnSignals, startPlatform } from '../../shared/platform.ts'

const platform = await startPlatform(config, { allowEmbedded: false })
const app = createServiceApp(platform, 'ingest')
mountIngest(app, platform)
const server = serve(app, platform)
console.log(`BENCH_PORT=${server.port}`)
closeOnSignals(async () => {
  await server.stop()
  await platform.close()
})
