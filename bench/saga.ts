// The order saga's numbers (issue 9): orders offered at a constant rate to POST /api/orders, each
// followed to its terminal state through the shop's own timestamps, against a baseline that runs
// the same steps synchronously inside one request, in the same run, on the same shop process.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchBroker } from './lib/broker.ts'
import { type ChildServer, startChildServer } from './lib/child.ts'
import { deferCleanup } from './lib/cleanup.ts'
import { isSmoke, numberFlag } from './lib/flags.ts'
import { int } from './lib/report.ts'
import type { BenchFlags } from './run.ts'
import { BASELINE_PATH } from './saga-baseline.ts'
import { commitCostMs } from './saga-commit-probe.ts'
import {
  getJson,
  idleCpuPerSecond,
  type MeasureOptions,
  measureBaseline,
  measureSaga,
} from './saga-measure.ts'
import { printReport, TARGET_RATE } from './saga-report.ts'
import { registerShopper, type SignedInShopper } from './saga-shoppers.ts'

export const description =
  'Order saga: orders/s sustained to a terminal state and p99 created→terminal at a constant ' +
  'rate, vs the same steps run synchronously inside one request'

const ROOT = join(import.meta.dir, '..')
/** How long the idle shop's CPU is watched before any load. */
const IDLE_MS = 2000

export interface Options extends MeasureOptions {
  smoke: boolean
  shoppers: number
  products: number
  paymentsLatencyMs: number
  shippingLatencyMs: number
  /** DATABASE_SYNCHRONOUS of the shop: the shop's default unless `--synchronous` says otherwise. */
  synchronous: 'full' | 'normal' | undefined
}

function readOptions(flags: BenchFlags): Options {
  const smoke = isSmoke(flags)
  const durationMs = numberFlag(flags, 'duration', smoke ? 2 : 60) * 1000
  const synchronous = flags.synchronous
  if (synchronous !== undefined && synchronous !== 'full' && synchronous !== 'normal')
    throw new Error('--synchronous must be full or normal')
  return {
    smoke,
    rate: numberFlag(flags, 'rate', smoke ? 50 : TARGET_RATE),
    durationMs,
    baselineMs: numberFlag(flags, 'baseline-duration', durationMs / 1000) * 1000,
    warmupOrders: Math.floor(numberFlag(flags, 'warmup-orders', smoke ? 20 : 200)),
    connections: Math.floor(numberFlag(flags, 'connections', 64)),
    drainMs: numberFlag(flags, 'drain', smoke ? 30 : 60) * 1000,
    shoppers: Math.floor(numberFlag(flags, 'shoppers', 8)),
    products: Math.floor(numberFlag(flags, 'products', 20)),
    paymentsLatencyMs: numberFlag(flags, 'payments-latency', 2),
    shippingLatencyMs: numberFlag(flags, 'shipping-latency', 2),
    synchronous,
  }
}

function startShop(dir: string, brokers: string, opts: Options): Promise<ChildServer> {
  return startChildServer('shop', [process.execPath, join(ROOT, 'bench/servers/saga-shop.ts')], {
    ...process.env,
    NODE_ENV: 'production',
    // Production refuses to start without one; nothing the bench does is signed.
    SESSION_SECRET: process.env.SESSION_SECRET ?? randomBytes(32).toString('hex'),
    HOST: '127.0.0.1',
    PORT: '0',
    KAFKA_BROKERS: brokers,
    DATABASE_URL: `file:${join(dir, 'shop.db')}`,
    ...(opts.synchronous ? { DATABASE_SYNCHRONOUS: opts.synchronous } : {}),
    STATE_DIR: dir,
    // The broker holds earlier runs' events: the recommender starts from now.
    RECOMMENDER_REPLAY_FROM: new Date().toISOString(),
    PAYMENTS_LATENCY_MS: String(opts.paymentsLatencyMs),
    SHIPPING_LATENCY_MS: String(opts.shippingLatencyMs),
    PAYMENTS_FAILURE_RATE: '0',
    SHIPPING_FAILURE_RATE: '0',
    // The bench signs its shoppers up from one address, faster than a person would.
    AUTH_RATE_LIMIT_PER_MIN: '0',
    LOG_LEVEL: 'warn',
  })
}

interface Setup {
  products: { id: string; priceMinor: number }[]
  consumers: number
  paymentsLatencyMs: number
  shippingLatencyMs: number
  synchronous: string
}

/** The machine is shared: how busy it was is part of the figures. */
const load = () => `load average ${loadavg()[0]?.toFixed(1)} (1 min)`

export async function run(flags: BenchFlags): Promise<void> {
  const opts = readOptions(flags)
  console.log(
    `Machine: ${cpus().length} cores shared by the shop, the broker and this client; ` +
      `Bun ${Bun.version}; ${load()}\n` +
      '  streamshop: the whole shop of `bun run dev` in a process of its own (orchestrator, ' +
      'participants, notifications, recommender, durable timeouts; consumers from the end of ' +
      'their topics) on a fresh database; POST /api/orders answers 202 and the saga runs over Kafka\n' +
      `  baseline:   ${BASELINE_PATH} in the same process, behind the same session and CSRF ` +
      'checks: validate, authorize, reserve stock, book the shipment, capture, completed, all ' +
      'before answering; the same provider, carrier, payments, inventory and shipping functions ' +
      'and tables; no saga state, history or events',
  )
  const dir = mkdtempSync(join(tmpdir(), 'streamshop-bench-saga-'))
  const removeDir = deferCleanup(async () => rmSync(dir, { recursive: true, force: true }))
  const { broker, stop: stopBroker } = await benchBroker()
  try {
    console.log(`Broker: ${broker.description}`)
    process.stdout.write('  shop: starting…')
    const server = await startShop(dir, broker.brokers.join(','), opts)
    try {
      const setup = await getJson<Setup>(server, `/bench/setup?products=${opts.products}`)
      const shoppers: SignedInShopper[] = []
      for (let i = 0; i < opts.shoppers; i++)
        shoppers.push(await registerShopper(server.url, `bench-saga-${i}`))
      console.log(
        ` ${setup.products.length} products with ample stock, ${setup.consumers} consumers ` +
          `assigned, ${shoppers.length} shoppers registered over HTTP`,
      )
      console.log(
        `Load: ${int(opts.rate)} orders/s offered at a constant rate for ${opts.durationMs / 1000} s ` +
          `(baseline ${opts.baselineMs / 1000} s), each after ${opts.warmupOrders} warm-up ` +
          `orders; ${opts.connections} keep-alive connections (raw sockets; a turn finding every ` +
          'connection busy is dropped); 1–3 lines of 1–2 units, the test card 4242…, the same ' +
          `sequence for both; then up to ${opts.drainMs / 1000} s for the saga's orders in ` +
          `flight\nSimulated provider ${setup.paymentsLatencyMs} ms and carrier ` +
          `${setup.shippingLatencyMs} ms at most per call, failure rates 0; ` +
          `DATABASE_SYNCHRONOUS=${setup.synchronous}`,
      )
      const shop = { server, products: setup.products, shoppers }
      const idleCpuPerS = await idleCpuPerSecond(server, IDLE_MS)
      // The baseline first: the saga's load leaves work behind (notifications, the recommender).
      const baseline = await measureBaseline(shop, opts)
      const saga = await measureSaga(shop, opts)
      console.log(`  ${load()} at the end`)
      const commitMs = commitCostMs(dir, setup.synchronous)
      const figures = printReport(baseline, saga, opts, { commitMs, idleCpuPerS })
      if (figures.terminal === 0) throw new Error('no order of the measured load became terminal')
    } finally {
      await server.stop()
    }
  } finally {
    await stopBroker()
    await removeDir()
  }
}
