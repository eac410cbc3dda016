// Page render latency: home, category, product and cart pages of the seeded catalog as the shop
// serves them, against the same pages with their data loaded one query per item (N+1), in the
// same process, on the same database, for the same visitor.
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Hono } from 'hono'
import { sessionSecret } from '../services/accounts/settings.ts'
import { addToCart } from '../services/carts/carts.ts'
import { seedCatalog } from '../services/catalog/demo-catalog.ts'
import { listCategories, popularProducts } from '../services/catalog/products.ts'
import { startRecommender } from '../services/recommender/index.ts'
import { parseConfig } from '../shared/config/index.ts'
import { type Platform, startPlatform } from '../shared/platform.ts'
import { createShopApp } from '../web/app.tsx'
import { deferCleanup } from './lib/cleanup.ts'
import { isSmoke, numberFlag } from './lib/flags.ts'
import { percentile } from './lib/load.ts'
import { printAligned } from './lib/report.ts'
import { NAIVE_SORT } from './pages-naive.ts'
import { naivePages } from './pages-naive-views.tsx'
import type { BenchFlags } from './run.ts'

export const description =
  'Server-side render of home, category, product and cart pages: Streamshop vs naive N+1 loading'

const TARGET_P95_MS = 20
const CART_LINES = 4
// The naive pages live on the shop app itself, under this prefix, behind the same middleware.
const NAIVE_PREFIX = '/naive'
const VARIANTS = ['ours', 'naive'] as const
type Variant = (typeof VARIANTS)[number]

interface Options {
  smoke: boolean
  warmup: number
  renders: number
}

function readOptions(flags: BenchFlags): Options {
  const smoke = isSmoke(flags)
  return {
    smoke,
    warmup: Math.floor(numberFlag(flags, 'warmup', smoke ? 5 : 50)),
    renders: Math.floor(numberFlag(flags, 'renders', smoke ? 20 : 300)),
  }
}

interface PageCase {
  name: string
  path: string
}

interface Visit {
  cookie: string
  shopperId: string
}

const naivePath = (path: string) => (path === '/' ? NAIVE_PREFIX : `${NAIVE_PREFIX}${path}`)

async function get(app: Hono, path: string, cookie: string): Promise<Response> {
  return app.request(path, { headers: { accept: 'text/html', cookie } })
}

/** The guest cookie of a first visit, so every later request is the same shopper. */
async function firstVisit(app: Hono): Promise<Visit> {
  const res = await get(app, '/', '')
  await res.body?.cancel()
  const guest = res.headers.getSetCookie().find((c) => c.startsWith('ss_guest='))
  if (!guest) throw new Error('The first visit set no ss_guest cookie')
  const cookie = guest.split(';')[0] as string
  const value = decodeURIComponent(cookie.slice('ss_guest='.length))
  return { cookie, shopperId: value.split('.')[0] as string }
}

/** Milliseconds from the request to the last byte of the page; anything but a 200 stops the run. */
async function timedRender(app: Hono, path: string, cookie: string): Promise<number> {
  const started = performance.now()
  const res = await get(app, path, cookie)
  const html = await res.text()
  const ms = performance.now() - started
  if (res.status !== 200)
    throw new Error(`GET ${path} answered ${res.status}: ${html.slice(0, 300)}`)
  return ms
}

/** Both variants must serve the same page, or the ratio compares different work. */
async function sameHtml(app: Hono, page: PageCase, cookie: string): Promise<string> {
  const [ours, naive] = await Promise.all(
    [page.path, naivePath(page.path)].map(async (path) => (await get(app, path, cookie)).text()),
  )
  if (ours === undefined || naive === undefined || ours !== naive) {
    const a = ours ?? ''
    const b = naive ?? ''
    let at = 0
    while (at < a.length && a[at] === b[at]) at++
    throw new Error(
      `The naive ${page.name} page differs from the shop's at character ${at}:\n` +
        `  shop:  …${a.slice(Math.max(0, at - 80), at + 80)}…\n` +
        `  naive: …${b.slice(Math.max(0, at - 80), at + 80)}…\n` +
        'Update the copy in bench/pages-naive-views.tsx to match web/pages/catalog.tsx.',
    )
  }
  return ours
}

/**
 * Renders one page `warmup + renders` times per variant, the two variants alternating and taking
 * turns to go first, so a burst of other work (GC, the relay publishing) hits both alike.
 */
async function measurePage(
  app: Hono,
  page: PageCase,
  cookie: string,
  opts: Options,
): Promise<Record<Variant, number[]>> {
  const samples: Record<Variant, number[]> = { ours: [], naive: [] }
  const paths: Record<Variant, string> = { ours: page.path, naive: naivePath(page.path) }
  Bun.gc(true)
  for (let i = 0; i < opts.warmup + opts.renders; i++) {
    const order = i % 2 === 0 ? VARIANTS : ([...VARIANTS].reverse() as Variant[])
    for (const variant of order) {
      const ms = await timedRender(app, paths[variant], cookie)
      if (i >= opts.warmup) samples[variant].push(ms)
    }
  }
  return samples
}

async function pagesToMeasure(platform: Platform, shopperId: string): Promise<PageCase[]> {
  const db = platform.database.db
  const [biggest] = (await listCategories(db)).sort((a, b) => b.productCount - a.productCount)
  if (!biggest) throw new Error('The seeded catalog has no categories')
  const popular = await popularProducts(db, 20)
  const [top] = popular
  if (!top) throw new Error('The seeded catalog has no products')
  for (const product of popular.filter((p) => p.stock > 0).slice(0, CART_LINES)) {
    await addToCart(db, shopperId, product.id, '1')
    // The cart is ordered by when a line was added; equal milliseconds would leave the order of
    // the lines to the query plan, which differs between the two variants.
    await Bun.sleep(2)
  }
  return [
    { name: 'home', path: '/' },
    { name: 'category', path: `/c/${biggest.id}?sort=${NAIVE_SORT}&page=1` },
    { name: 'product', path: `/products/${top.slug}` },
    { name: 'cart', path: '/cart' },
  ]
}

interface Percentiles {
  p50: number
  p95: number
  p99: number
}

const percentiles = (samples: number[]): Percentiles => ({
  p50: percentile(samples, 50),
  p95: percentile(samples, 95),
  p99: percentile(samples, 99),
})

interface PageResult {
  page: string
  ours: Percentiles
  naive: Percentiles
}

const ms = (n: number) => n.toFixed(2)
function printResults(rows: PageResult[], smoke: boolean): void {
  const meets = (ok: boolean) => (smoke ? 'smoke' : ok ? 'met' : 'NOT met')
  console.log()
  printAligned(
    [
      'page',
      'ours p50',
      'p95',
      'p99',
      'naive p50',
      'p95',
      'p99',
      'naive/ours p95',
      `p95 < ${TARGET_P95_MS} ms`,
    ],
    rows.map(({ page, ours, naive }) => [
      page,
      ms(ours.p50),
      ms(ours.p95),
      ms(ours.p99),
      ms(naive.p50),
      ms(naive.p95),
      ms(naive.p99),
      `${(naive.p95 / ours.p95).toFixed(2)}×`,
      meets(ours.p95 < TARGET_P95_MS),
    ]),
  )
  const allMet = rows.every((r) => r.ours.p95 < TARGET_P95_MS)
  console.log(
    '\n  times in ms, request to last byte; naive/ours p95 = how many times faster our p95 is\n' +
      `  target p95 < ${TARGET_P95_MS} ms on every page: ${meets(allMet)}`,
  )
}

export async function run(flags: BenchFlags): Promise<void> {
  const opts = readOptions(flags)
  const dir = mkdtempSync(join(tmpdir(), 'streamshop-bench-pages-'))
  const removeDir = deferCleanup(async () => rmSync(dir, { recursive: true, force: true }))
  try {
    const config = parseConfig({
      ...process.env,
      NODE_ENV: 'development',
      BUS: 'embedded',
      DATABASE_URL: `file:${join(dir, 'bench.db')}`,
      LOG_LEVEL: 'error',
    })
    const platform = await startPlatform(config, { allowEmbedded: true })
    const closePlatform = deferCleanup(() => platform.close())
    const recommender = await startRecommender(platform)
    const closeRecommender = deferCleanup(() => recommender.close())
    try {
      const seeded = await seedCatalog(platform.database.db)
      const app = createShopApp(platform, { recommender })
      // Routes must be added before the first request builds the router.
      app.route(
        NAIVE_PREFIX,
        naivePages({
          db: platform.database.db,
          secret: sessionSecret(config),
          serving: recommender.serving,
        }),
      )
      // Both variants render the recommender's panels: it must know the catalog first.
      const deadline = Date.now() + 60_000
      while (recommender.recommender.liveMetrics().products < seeded.products) {
        if (Date.now() > deadline)
          throw new Error('the recommender did not learn the catalog in 60 s')
        await Bun.sleep(50)
      }
      const visit = await firstVisit(app)
      const pages = await pagesToMeasure(platform, visit.shopperId)

      console.log(
        `Catalog: ${seeded.products} products in ${seeded.categories} categories, ` +
          `${seeded.reviews} reviews (seedCatalog), in a fresh libSQL file; bus: ${platform.broker.description}\n` +
          // With the embedded log the relay publishes from this process, competing with the pages
          // for the event loop and the write lock; with Kafka it has a thread of its own.
          // OUTBOX_RELAY=false shows its share of the tail.
          `Relay: ${config.OUTBOX_RELAY ? 'on, publishing the tracking events in this process' : 'off (OUTBOX_RELAY=false)'}\n` +
          `Machine: ${cpus().length} cores, Bun ${Bun.version}; requests through app.request in this ` +
          'process (no network), one guest visitor, sequential\n' +
          `Renders: ${opts.warmup} warm-up + ${opts.renders} measured per page and variant, the two alternating\n` +
          '  ours:  the shop’s routes; each list of products is one query with its category joined\n' +
          '  naive: the same components and middleware; the ids in one query, then getProduct per ' +
          'product (one query each, concurrently), a count query per category, a query per cart line',
      )
      for (const page of pages) {
        const html = await sameHtml(app, page, visit.cookie)
        const cards = html.match(/class="product-card"/g)?.length ?? 0
        const lines = html.match(/class="cart-line"/g)?.length ?? 0
        const items = page.name === 'cart' ? `${lines} cart lines` : `${cards} product cards`
        console.log(
          `  ${page.name.padEnd(8)} GET ${page.path} (${items}, ${Math.round(html.length / 1024)} KB; ` +
            'same HTML from both variants)',
        )
      }

      const rows: PageResult[] = []
      for (const page of pages) {
        process.stdout.write(`  measuring ${page.name}…`)
        const samples = await measurePage(app, page, visit.cookie, opts)
        rows.push({
          page: page.name,
          ours: percentiles(samples.ours),
          naive: percentiles(samples.naive),
        })
        process.stdout.write(' done\n')
      }

      printResults(rows, opts.smoke)
    } finally {
      await closeRecommender()
      await closePlatform()
    }
  } finally {
    await removeDir()
  }
}
