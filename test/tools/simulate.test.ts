// `bun run simulate` against the whole shop served on a local port: what it says it sent is what
// the shop's outbox holds, with the planted tastes visible in it, at the pace and limits asked for.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { seedCatalog } from '../../services/catalog/index.ts'
import { INGEST_SOURCE } from '../../services/ingest/intake.ts'
import { stockOf } from '../../services/inventory/index.ts'
import { DEFAULT_EXPERIMENT } from '../../services/recommender/experiments/config.ts'
import { assignVariant } from '../../services/recommender/experiments/experiment.ts'
import { indexCatalog, plantShoppers } from '../../tools/simulate/shoppers.ts'
import { eventually, unique } from '../helpers/broker.ts'
import { type SagaShop, startSagaShop } from '../helpers/saga.ts'

const CLI = join(import.meta.dir, '../../tools/simulate/cli.ts')
const MIX_TYPES = [
  'product.viewed',
  'product.searched',
  'product.clicked',
  'product.rated',
  'product.purchased',
  'recommendation.clicked',
  'cart.item_added',
]

interface Summary {
  sent: number
  counts: Record<string, number>
  errors: number
  throttled: number
  unsent: number
  elapsedMs: number
  stoppedBy: string
  orders: {
    buyers: number
    placed: number
    declinedCards: number
    refused: number
    busy: number
    errors: number
    outcomes: {
      completed: number
      cancelled: number
      underway: number
      reasons: Record<string, number>
    }
  }
}

interface OutboxEvent {
  seq: number
  type: string
  userId: string
  productId?: string
  rating?: number
  query?: string
  metadata: Record<string, unknown>
}

let shop: SagaShop
let server: ReturnType<typeof Bun.serve>
let url: string
const servers: ReturnType<typeof Bun.serve>[] = []

beforeAll(async () => {
  // The whole saga runs, so the buyers' orders end completed or cancelled.
  shop = await startSagaShop()
  const { db } = shop.platform.database
  await seedCatalog(db)
  const ids = (await shop.platform.database.client.execute('select id from products')).rows
  await eventually(
    async () => (await Promise.all(ids.map((r) => stockOf(db, String(r.id))))).every(Boolean),
    60_000,
    'inventory to know the catalog',
  )
  server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: shop.app.fetch })
  url = `http://127.0.0.1:${server.port}`
  // A shop with some traffic already, so recommendations have something to offer from the start.
  const res = await shop.app.request('/api/products?pageSize=20')
  const { data } = (await res.json()) as { data: { id: string }[] }
  const events = data.map((p) => ({
    type: 'product.viewed',
    userId: unique('warm'),
    productId: p.id,
  }))
  expect((await shop.post('/api/events', { events })).status).toBe(202)
  await eventually(
    async () => {
      const answer = await shop.app.request(`/api/recommendations/${unique('cold')}?limit=5`)
      return ((await answer.json()) as { data: unknown[] }).data.length > 0
    },
    60_000,
    'the recommender to have something to recommend',
  )
}, 120_000)

afterAll(async () => {
  for (const s of servers) s.stop(true)
  server?.stop(true)
  await shop?.close()
})

async function simulate(...args: string[]) {
  const started = performance.now()
  const proc = Bun.spawn([process.execPath, CLI, ...args], { stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  return { code, stdout, stderr, wallMs: performance.now() - started }
}

const freshSeed = () => Math.floor(Math.random() * 1_000_000_000)

/** What the shop accepted from the simulator: ingested events of its shoppers (the recommender
 * publishes events about them too). */
async function outboxOf(seed: number): Promise<OutboxEvent[]> {
  const result = await shop.platform.database.client.execute({
    sql: `select seq, type, data from outbox
          where source = ? and json_extract(data, '$.userId') like ? order by seq`,
    args: [INGEST_SOURCE, `sim-${seed}-%`],
  })
  return result.rows.map((r) => ({
    seq: Number(r.seq),
    type: String(r.type),
    ...(JSON.parse(String(r.data)) as Omit<OutboxEvent, 'seq' | 'type'>),
  }))
}

/** Each product's name and its category's, lower-cased as the simulator searches them. */
async function productNames(): Promise<Map<string, { name: string; category: string }>> {
  const result = await shop.platform.database.client.execute(
    'select p.id, p.name, c.name as category from products p join categories c on c.id = p.category_id',
  )
  return new Map(
    result.rows.map((r) => [
      String(r.id),
      { name: String(r.name).toLowerCase(), category: String(r.category).toLowerCase() },
    ]),
  )
}

async function categoryOf(): Promise<Map<string, string>> {
  const result = await shop.platform.database.client.execute('select id, category_id from products')
  return new Map(result.rows.map((r) => [String(r.id), String(r.category_id)]))
}

/** Serves the shop, but answers POST /api/events with `fault` for the first `times` requests. */
function faultyShop(times: number, fault: () => Response): string {
  let left = times
  const s = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(request, bunServer) {
      const isEvents = request.method === 'POST' && new URL(request.url).pathname === '/api/events'
      if (isEvents && left-- > 0) return fault()
      return shop.app.fetch(request, bunServer)
    },
  })
  servers.push(s)
  return `http://127.0.0.1:${s.port}`
}

describe('bun run simulate', () => {
  test('every event it counts is in the shop, in the whole mix, with the planted tastes showing', async () => {
    const seed = freshSeed()
    const run = await simulate(
      ...['--url', url, '--users', '10', '--events', '200', '--rate', '200'],
      ...['--seed', String(seed), '--buyers', '0', '--json'],
    )
    expect(run.code, run.stderr).toBe(0)
    const summary = JSON.parse(run.stdout) as Summary
    expect(summary).toMatchObject({ sent: 200, unsent: 0, stoppedBy: 'events' })
    expect(Object.values(summary.counts).reduce((a, b) => a + b, 0)).toBe(summary.sent)

    const events = await outboxOf(seed)
    expect(events).toHaveLength(200)
    const byType = Map.groupBy(events, (e) => e.type)
    expect(Object.fromEntries([...byType].map(([t, list]) => [t, list.length]))).toEqual(
      summary.counts,
    )
    expect([...byType.keys()].sort()).toEqual([...MIX_TYPES].sort())
    expect(new Set(events.map((e) => e.userId)).size).toBeGreaterThan(5)

    // Tastes are planted from the seed alone, so the test knows them as the simulator did.
    const category = await categoryOf()
    const shoppers = plantShoppers(
      seed,
      10,
      indexCatalog([...category].map(([id, categoryId]) => ({ id, name: id, categoryId })))
        .categories,
    )
    const preferred = new Map(shoppers.map((s) => [s.id, s.preferred]))
    // What they browse on their own; a recommendation followed shows the recommender's taste.
    const followed = new Set(
      (byType.get('recommendation.clicked') ?? []).map((e) => `${e.userId} ${e.productId}`),
    )
    const views = (byType.get('product.viewed') ?? []).filter(
      (e) => !followed.has(`${e.userId} ${e.productId}`),
    )
    const liked = (e: OutboxEvent) =>
      preferred.get(e.userId)?.includes(category.get(e.productId ?? '') ?? '') === true
    expect(views.filter(liked).length / views.length).toBeGreaterThan(0.7)
    const busiest = [...Map.groupBy(views, (e) => e.userId).values()].sort(
      (a, b) => b.length - a.length,
    )[0] as OutboxEvent[]
    const perCategory = Map.groupBy(busiest, (e) => category.get(e.productId ?? ''))
    const topThree = [...perCategory.values()]
      .map((list) => list.length)
      .sort((a, b) => b - a)
      .slice(0, 3)
      .reduce((a, b) => a + b, 0)
    expect(topThree / busiest.length).toBeGreaterThan(0.5)

    for (const rating of byType.get('product.rated') ?? []) {
      const stars = rating.rating ?? 0
      expect(liked(rating) ? stars >= 4 : stars <= 3).toBe(true)
    }
    for (const click of byType.get('recommendation.clicked') ?? []) {
      // The shop runs its default experiment: the click names the variant it was shown, so it counts.
      const variant = assignVariant(DEFAULT_EXPERIMENT, click.userId)
      expect(click.metadata).toMatchObject({
        strategy: variant.strategy,
        experimentId: DEFAULT_EXPERIMENT.id,
        variant: variant.name,
      })
      expect(click.metadata.position).toBeWithin(1, 6)
      const next = events.find((e) => e.seq > click.seq && e.userId === click.userId)
      expect(next).toMatchObject({ type: 'product.viewed', productId: click.productId })
    }

    // A shopper's first click after a search is on what they searched for (the search funnel).
    const names = await productNames()
    const searches = byType.get('product.searched') ?? []
    let followedUp = 0
    for (const search of searches) {
      const next = events.find(
        (e) =>
          e.seq > search.seq &&
          e.userId === search.userId &&
          (e.type === 'product.clicked' || e.type === 'product.searched'),
      )
      if (next?.type !== 'product.clicked') continue
      followedUp++
      const found = names.get(next.productId ?? '')
      const query = search.query ?? ''
      expect(found?.name.includes(query) || found?.category === query).toBe(true)
    }
    expect(followedUp).toBeGreaterThan(0)
  })

  test('buyers place real orders, some with declining cards, and the summary says how each ended', async () => {
    const seed = freshSeed()
    const args = (seconds: number) => [
      ...['--url', url, '--users', '5', '--events', '1000000', '--rate', '20'],
      ...['--buyers', '2', '--order-rate', '4', '--declines', '0.4', '--seed', String(seed)],
      ...['--duration', String(seconds), '--json'],
    ]
    const run = await simulate(...args(4))
    expect(run.code, run.stderr).toBe(0)
    const { orders } = JSON.parse(run.stdout) as Summary
    expect(orders.buyers).toBe(2)
    expect(orders.placed).toBeGreaterThan(5)
    expect(orders.declinedCards).toBeGreaterThan(0)
    expect(orders.refused + orders.errors).toBe(0)
    // Every order the shop took is in its database, by the buyers' accounts, and each saga ended.
    const placed = await shop.platform.database.client.execute({
      sql: `select o.status, s.reason from orders o join users u on u.id = o.user_id
            left join order_sagas s on s.order_id = o.id where u.email like ?`,
      args: [`sim-${seed}-buyer-%`],
    })
    expect(placed.rows.length).toBe(orders.placed)
    const { completed, cancelled, underway, reasons } = orders.outcomes
    expect(underway).toBe(0)
    expect(completed + cancelled).toBe(orders.placed)
    expect(placed.rows.filter((r) => r.status === 'completed').length).toBe(completed)
    // A declining card ends its order with the decline's reason, and only those do.
    expect((reasons.card_declined ?? 0) + (reasons.insufficient_funds ?? 0)).toBe(
      orders.declinedCards,
    )

    // The same seed signs the same buyers in again (log-in, not a second registration).
    const again = await simulate(...args(1))
    expect(again.code, again.stderr).toBe(0)
    expect((JSON.parse(again.stdout) as Summary).orders.buyers).toBe(2)
    const accounts = await shop.platform.database.client.execute({
      sql: 'select count(*) as n from users where email like ?',
      args: [`sim-${seed}-buyer-%`],
    })
    expect(Number(accounts.rows[0]?.n)).toBe(2)
  })

  test('a busy shop (503 with Retry-After) gets the same order again after the wait, placed once', async () => {
    let refusals = 1
    const s = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch(request, bunServer) {
        const isOrder = request.method === 'POST' && new URL(request.url).pathname === '/api/orders'
        if (isOrder && refusals-- > 0)
          return Response.json(
            { code: 'ORDERS_BUSY', detail: 'busy' },
            { status: 503, headers: { 'retry-after': '1' } },
          )
        return shop.app.fetch(request, bunServer)
      },
    })
    servers.push(s)
    const seed = freshSeed()
    const run = await simulate(
      ...['--url', `http://127.0.0.1:${s.port}`, '--users', '2', '--events', '1000000'],
      ...['--rate', '5', '--duration', '3', '--buyers', '1', '--order-rate', '1'],
      ...['--declines', '0', '--seed', String(seed), '--json'],
    )
    expect(run.code, run.stderr).toBe(0)
    const { orders } = JSON.parse(run.stdout) as Summary
    expect(orders.busy).toBe(1)
    expect(orders.errors).toBe(0)
    expect(orders.placed).toBeGreaterThanOrEqual(1)
    const placed = await shop.platform.database.client.execute({
      sql: 'select count(*) as n from orders o join users u on u.id = o.user_id where u.email like ?',
      args: [`sim-${seed}-buyer-%`],
    })
    expect(Number(placed.rows[0]?.n)).toBe(orders.placed)
  })

  test('stops at --duration, at a steady pace', async () => {
    const seed = freshSeed()
    const run = await simulate(
      ...['--url', url, '--events', '1000000', '--rate', '20', '--duration', '2'],
      ...['--seed', String(seed), '--buyers', '0', '--json'],
    )
    expect(run.code, run.stderr).toBe(0)
    const summary = JSON.parse(run.stdout) as Summary
    expect(summary.stoppedBy).toBe('duration')
    expect(summary.elapsedMs).toBeWithin(1900, 4500)
    expect(summary.sent).toBeWithin(25, 50)
    expect((await outboxOf(seed)).length).toBe(summary.sent)
  })

  test('a 429 makes it wait and send again: nothing lost, nothing twice', async () => {
    const throttling = faultyShop(2, () =>
      Response.json({ detail: 'slow down' }, { status: 429, headers: { 'retry-after': '1' } }),
    )
    const seed = freshSeed()
    const run = await simulate(
      ...['--url', throttling, '--events', '60', '--rate', '100', '--seed', String(seed)],
      ...['--buyers', '0', '--json'],
    )
    expect(run.code, run.stderr).toBe(0)
    const summary = JSON.parse(run.stdout) as Summary
    expect(summary).toMatchObject({ sent: 60, throttled: 2, unsent: 0, stoppedBy: 'events' })
    expect(summary.elapsedMs).toBeGreaterThan(2000)
    expect((await outboxOf(seed)).length).toBe(60)
  })

  test('a request the shop calls invalid is reported and ends the run', async () => {
    const rejecting = faultyShop(1, () =>
      Response.json({ detail: 'events[0].type is wrong' }, { status: 400 }),
    )
    const run = await simulate(
      '--url',
      rejecting,
      '--events',
      '50',
      '--rate',
      '100',
      '--buyers',
      '0',
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('events[0].type is wrong')
  })

  test('bad flags print the usage and exit 2', async () => {
    const bad = [
      ['--users', '0'],
      ['--rate', 'fast'],
      ['--bogus'],
      ['--url', 'ftp://x'],
      ['--declines', '1.5'],
      ['--password', 'short'],
    ]
    for (const flags of bad) {
      const run = await simulate(...flags)
      expect(run.code, flags.join(' ')).toBe(2)
      expect(run.stderr).toContain('Usage: bun run simulate')
    }
    const help = await simulate('--help')
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('--buyers <n>')
  })

  test('an unreachable shop is a clear message and exit 1', async () => {
    const closed = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
    const port = closed.port
    closed.stop(true)
    const run = await simulate('--url', `http://127.0.0.1:${port}`, '--events', '10')
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`cannot reach the shop at http://127.0.0.1:${port}`)
  })
})
