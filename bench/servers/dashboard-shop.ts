// The shop as `bun run bench dashboard` measures it: the app of `bun run dev` on a fresh database
// with an admin account, and beside it, under /bench/, what the bench reads or does to it.
//   argv[2] 'fanout': no consumers; figures change by /bench/change, which applies product views
//                     to the roll-ups with analytics' own code, so an update's cost is the
//                     dashboard's alone (no broker traffic in the way).
//   argv[2] 'shop':   every consumer of `bun run dev` (analytics included) from the end of its topic.
//   argv[2] 'shop-split': the same without analytics, which runs as its own process
//                     (`bun services/analytics/main.ts`) on the same database.
//   argv[3] 'not-shared': every live stream renders its part itself (the fan-out baseline).
import { ensureAdmin } from '../../services/accounts/index.ts'
import { consumers as analyticsConsumers } from '../../services/analytics/index.ts'
import { listCategories, seedCatalog } from '../../services/catalog/index.ts'
import { startRecommender } from '../../services/recommender/index.ts'
import { config } from '../../shared/config/index.ts'
import { parseMsRange } from '../../shared/http/day-range.ts'
import { NOT_SHARED } from '../../shared/http/live-hub.ts'
import { serve } from '../../shared/http/serve.ts'
import { closeOnSignals, startPlatform } from '../../shared/platform.ts'
import { createShopApp } from '../../web/app.tsx'
import { shopConsumers } from '../../web/consumers.ts'
import { rangePart } from '../../web/pages/admin/range-part.ts'
import { applyProductViews } from '../dashboard-change.ts'

const DAY_MS = 86_400_000
const mode = Bun.argv[2] ?? 'fanout'
const shared = Bun.argv[3] !== 'not-shared'

const platform = await startPlatform(config, { allowEmbedded: false })
const db = platform.database.db
await seedCatalog(db)
const admin = {
  email: `bench-admin-${Bun.randomUUIDv7()}@example.test`,
  password: 'bench-pass-123',
}
await ensureAdmin(db, admin)
const recommender = await startRecommender(platform, {
  categoryNames: async () => new Map((await listCategories(db)).map((c) => [c.id, c.name])),
})
const analyticsGroups = analyticsConsumers(config).map((c) => ({ group: c.group, topic: c.topic }))
if (mode !== 'fanout') {
  const ours = [
    ...shopConsumers(config).filter(
      (c) => mode === 'shop' || !analyticsGroups.some((a) => a.group === c.group),
    ),
    ...recommender.consumers,
  ]
  // From the end of their topics: the broker keeps earlier runs' events, a backlog that is not
  // this bench's load. Analytics' groups too when its own process will consume them.
  for (const c of [...ours, ...analyticsGroups]) {
    if ((await platform.bus.groupMembers(c.group)) === 0)
      await platform.bus.seek(c.group, c.topic, 'latest')
  }
  await platform.consumers.start(ours)
}

const app = createShopApp(platform, { recommender }, shared ? {} : { liveSharing: NOT_SHARED })
const today = Math.floor(Date.now() / DAY_MS) * DAY_MS
const part = rangePart('admin-overview', parseMsRange(today, today + DAY_MS))
/** The product whose views only the bench moves. */
const productId = 'bench-probe-product'
app.get('/bench/setup', (c) => c.json({ admin, part, mode, shared, productId }))
// Bun's own count after a full collection, so garbage does not pass for what clients hold.
app.get('/bench/memory', (c) => {
  Bun.gc(true)
  const m = process.memoryUsage()
  return c.json({ rss: m.rss, heapUsed: m.heapUsed, cpu: process.cpuUsage() })
})
app.get('/bench/cpu', (c) => c.json(process.cpuUsage()))
// A GET, not a POST: the shop's CSRF check runs before these routes too.
app.get('/bench/change', async (c) => {
  await applyProductViews(db, config, productId, Number(c.req.query('views') ?? 1))
  return c.json({ committedAt: Date.now() })
})
// Lag of analytics' groups, summed per group, whichever process consumes them.
app.get('/bench/lag', async (c) => {
  const lags = await Promise.all(
    analyticsGroups.map(async ({ group, topic }) => {
      const partitions = await platform.bus.lag(group, [topic])
      return { group, lag: Number(partitions.reduce((n, p) => n + p.lag, 0n)) }
    }),
  )
  return c.json(lags)
})

const server = serve(app, platform)
console.log(`BENCH_PORT=${server.port}`)
closeOnSignals(async () => {
  await server.stop(true)
  await recommender.close()
  await platform.close()
})
