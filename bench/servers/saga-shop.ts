// The shop as `bun run bench saga` measures it: the whole app of `bun run dev` — the orchestrator,
// the participants, notifications, the recommender, the saga's durable timeouts — on a real
// broker, with its consumers started from the end of their topics. Beside it, under /bench/, the
// setup (products with ample stock), read-only views of the orders table for the figures, and the
// synchronous baseline (bench/saga-baseline.ts) behind the shop's own session and CSRF checks.
import { listCategories } from '../../services/catalog/index.ts'
import { createProduct } from '../../services/catalog/product-changes.ts'
import { categories } from '../../services/catalog/schema.ts'
import { stockOf } from '../../services/inventory/index.ts'
import { startSagaDeadlines } from '../../services/orders/index.ts'
import { PaymentProvider } from '../../services/payments/index.ts'
import { startRecommender } from '../../services/recommender/index.ts'
import { Carrier } from '../../services/shipping/index.ts'
import { config } from '../../shared/config/index.ts'
import { serve } from '../../shared/http/serve.ts'
import { closeOnSignals, startPlatform } from '../../shared/platform.ts'
import { createShopApp } from '../../web/app.tsx'
import { shopConsumers } from '../../web/consumers.ts'
import { baselineRoutes } from '../saga-baseline.ts'
import { sagaFigures, sagaProgress, stepBreakdown } from '../saga-figures.ts'

const READY_TIMEOUT_MS = 60_000

const platform = await startPlatform(config, { allowEmbedded: false })
const db = platform.database.db
const recommender = await startRecommender(platform, {
  categoryNames: async () => new Map((await listCategories(db)).map((c) => [c.id, c.name])),
})
// As `bun run dev` runs them, but from the end of their topics: the broker keeps earlier runs'
// commands and answers for orders this database never had, a backlog that is not this load.
const consumers = [...shopConsumers(config), ...recommender.consumers]
for (const c of consumers) {
  if ((await platform.bus.groupMembers(c.group)) === 0)
    await platform.bus.seek(c.group, c.topic, 'latest')
}
await platform.consumers.start(consumers)
const deadlines = startSagaDeadlines(db, config)

/** Until every consumer of this process owns a partition: an order placed before would wait. */
async function consumersAssigned(): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    const waiting = platform.consumers.states().filter((s) => s.state !== 'running' || !s.assigned)
    if (waiting.length === 0) return
    if (Date.now() > deadline)
      throw new Error(`consumers not assigned: ${waiting.map((s) => s.group).join(', ')}`)
    await Bun.sleep(100)
  }
}

/** Products with this much stock each, known to inventory (their product.created has arrived). */
async function stockedProducts(count: number, stock: number) {
  const categoryId = `bench-saga-${Bun.randomUUIDv7()}`
  await db
    .insert(categories)
    .values({ id: categoryId, name: 'Bench', description: '', position: 0 })
  const made = []
  for (let i = 0; i < count; i++) {
    const priceMinor = 500 + 250 * i
    made.push(
      await createProduct(db, { name: `Bench thing ${i + 1}`, categoryId, priceMinor, stock }),
    )
  }
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (const product of made) {
    while (!(await stockOf(db, product.id))) {
      if (Date.now() > deadline) throw new Error('inventory did not learn the bench products')
      await Bun.sleep(50)
    }
  }
  return made.map((p) => ({ id: p.id, priceMinor: p.priceMinor }))
}

const app = createShopApp(platform, { recommender })
// The shop's session and CSRF middleware (mounted at '/') runs before these routes too.
app.route(
  '/',
  baselineRoutes({
    db,
    provider: new PaymentProvider({
      failureRate: config.PAYMENTS_FAILURE_RATE,
      latencyMs: config.PAYMENTS_LATENCY_MS,
    }),
    carrier: new Carrier({
      failureRate: config.SHIPPING_FAILURE_RATE,
      latencyMs: config.SHIPPING_LATENCY_MS,
    }),
  }),
)
app.get('/bench/setup', async (c) => {
  const count = Number(c.req.query('products') ?? 20)
  const stock = Number(c.req.query('stock') ?? 1_000_000)
  const products = await stockedProducts(count, stock)
  await consumersAssigned()
  return c.json({
    products,
    consumers: platform.consumers.states().length,
    paymentsLatencyMs: config.PAYMENTS_LATENCY_MS,
    shippingLatencyMs: config.SHIPPING_LATENCY_MS,
    synchronous: config.DATABASE_SYNCHRONOUS,
  })
})
// The saga's orders created at or after `from` (epoch ms): when each was created and finished.
app.get('/bench/orders', async (c) =>
  c.json(await sagaFigures(platform.database.client, Number(c.req.query('from') ?? 0))),
)
// What each consumer of this process applied so far, each record in a transaction of its own.
app.get('/bench/consumers', async (c) =>
  c.json(
    (await platform.consumers.status()).map((s) => ({
      group: s.group,
      topic: s.topic,
      handled: s.counts.handled,
      retried: s.counts.retried,
      deadLettered: s.counts.deadLettered,
    })),
  ),
)
// CPU time of this process, its relay thread included, in µs: what an order costs the shop.
app.get('/bench/cpu', (c) => c.json(process.cpuUsage()))
app.get('/bench/progress', async (c) =>
  c.json(await sagaProgress(platform.database.client, Number(c.req.query('from') ?? 0))),
)
app.get('/bench/steps', async (c) =>
  c.json(await stepBreakdown(platform.database.client, Number(c.req.query('from') ?? 0))),
)

const server = serve(app, platform)
console.log(`BENCH_PORT=${server.port}`)
closeOnSignals(async () => {
  await server.stop(true)
  await deadlines.stop()
  await recommender.close()
  await platform.close()
})
