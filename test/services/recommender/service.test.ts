// The recommender in the shop, on the run's broker: events posted to /api/events change what it
// answers, through the outbox, Kafka and the log follower; a replica rebuilt from the log agrees.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Product } from '../../../services/catalog/index.ts'
import { followLog } from '../../../services/recommender/follower.ts'
import { Recommender } from '../../../services/recommender/recommender.ts'
import { createEvent, toRecord } from '../../../shared/events/envelope.ts'
import { eventually, unique } from '../../helpers/broker.ts'
import { sseMessages } from '../../helpers/events.ts'
import { readTopicSince, startSeededShop, type TestShop } from '../../helpers/shop.ts'

let shop: TestShop
let products: Product[]
const startedAt = Date.now()

beforeAll(async () => {
  // No experiment: the panels use the default strategy, which the links below name.
  ;({ shop, products } = await startSeededShop({ RECOMMENDER_EXPERIMENTS: '[]' }))
})

afterAll(() => shop.close())

const view = (userId: string, productId: string, type = 'product_view') => ({
  type,
  userId,
  productId,
})

async function recommendations(userId: string, query = '') {
  const res = await shop.app.request(`/api/recommendations/${userId}${query}`)
  return { status: res.status, body: (await res.json()) as Record<string, never> }
}

test('viewing a product brings up what others engaged with alongside it, with the reason', async () => {
  const [a, b] = products as [Product, Product]
  const others = Array.from({ length: 5 }, () => unique('shopper'))
  const me = unique('me')
  const events = [
    ...others.flatMap((u) => [view(u, a.id), view(u, b.id, 'add_to_cart')]),
    view(me, a.id),
  ]
  expect((await shop.post('/api/events', { events })).status).toBe(202)

  const answer = await eventually(
    async () => {
      const { body } = await recommendations(me, '?strategy=item-item&limit=3')
      const data = body.data as unknown as { productId: string }[]
      return data[0]?.productId === b.id ? body : undefined
    },
    30_000,
    'item-item to recommend the product viewed alongside',
  )
  expect(answer).toMatchObject({
    success: true,
    data: [{ productId: b.id, name: b.name, reason: `because you viewed ${a.name}` }],
    metadata: { userId: me, strategy: 'item-item', coldStart: false, isStale: false },
  })
  const also = await shop.app.request(`/api/recommendations/products/${a.id}/also-bought`)
  expect(((await also.json()) as { data: { productId: string }[] }).data[0]?.productId).toBe(b.id)
})

test('an unknown user gets popular products and is told so; bad input is a 400 naming the field', async () => {
  const stranger = await recommendations(unique('stranger'))
  expect(stranger.status).toBe(200)
  expect(stranger.body).toMatchObject({
    success: true,
    metadata: { coldStart: true, fallback: 'popular' },
  })

  for (const [query, field] of [
    ['?strategy=magic', 'strategy'],
    ['?limit=0', 'limit'],
    ['?limit=101', 'limit'],
    ['?limit=ten', 'limit'],
  ] as const) {
    const res = await shop.app.request(`/api/recommendations/u1${query}`)
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    const problem = (await res.json()) as { errors: { field: string }[] }
    expect(problem.errors.map((e) => e.field)).toContain(field)
  }
})

test('a malformed record on a behaviour topic goes to its DLQ; the models stay untouched and the follower going', async () => {
  const since = Date.now()
  const before = shop.recommender.recommender.liveMetrics()
  const badKey = unique('bad')
  // Not JSON at all, and a well-formed cart event without the product the models need.
  const cartAdd = createEvent(
    'cart.item_added',
    { userId: badKey, productId: 'p', metadata: {} },
    { source: '/test' },
  )
  await shop.platform.bus.publish([
    {
      topic: 'user-events',
      key: badKey,
      value: '{not json',
      headers: { ce_id: 'bad' },
      timestamp: Date.now(),
    },
    { ...toRecord(cartAdd), value: JSON.stringify({ userId: badKey, metadata: {} }) },
  ])
  const [a] = products as [Product]
  const later = unique('later')
  await shop.post('/api/events', view(later, a.id))
  await eventually(
    () => shop.recommender.recommender.liveMetrics().eventsApplied > before.eventsApplied,
    30_000,
    'the follower to go on after the bad records',
  )
  // Nothing of the bad records reached the models: their shopper is unknown.
  expect(shop.recommender.recommender.recommend(badKey, 'hybrid', 3).coldStart).toBe(true)
  for (const topic of ['user-events', 'cart-events']) {
    const dead = await readTopicSince(shop.platform.bus, `${topic}.dlq`, since, (rs) =>
      rs.some((r) => r.key === badKey && r.headers.dlq_group === `recommender-input-${topic}`),
    )
    const record = dead.find(
      (r) => r.key === badKey && r.headers.dlq_group === `recommender-input-${topic}`,
    )
    expect(record?.headers).toMatchObject({
      dlq_source_topic: topic,
      dlq_reason: expect.any(String),
    })
  }
  const metrics = await shop.app.request('/api/recommendations/metrics/live')
  expect(await metrics.json()).toMatchObject({ success: true, data: { caughtUp: true } })
})

test('the matrix model trains off the event loop and is used once swapped in', async () => {
  const report = await shop.recommender.trainer.trainIfChanged()
  expect(report?.items).toBeGreaterThan(1)
  expect(shop.recommender.recommender.liveMetrics().training?.items).toBe(report?.items as number)
  const { body } = await recommendations(unique('nobody'), '?strategy=ease')
  expect(body).toMatchObject({ success: true, metadata: { strategy: 'ease' } })
})

test('a replica rebuilt from the log answers the same as the one built live', async () => {
  const users = [...new Set(products.slice(0, 6).map((_, i) => `replay-${i}`))]
  const events = users.flatMap((u, i) =>
    [0, 1, 2].map((k) => view(u, (products[(i + k) % 6] as Product).id)),
  )
  await shop.post('/api/events', { events })
  const live = shop.recommender.recommender
  await eventually(
    () => users.every((u) => !live.recommend(u, 'item-item', 5).coldStart),
    30_000,
    'the live models to see the new shoppers',
  )
  const replica = new Recommender()
  const follower = await followLog(shop.platform.bus, replica, { from: startedAt })
  try {
    await follower.caughtUp
    for (const u of [...users, 'nobody-at-all']) {
      for (const strategy of ['item-item', 'session', 'content', 'popular'] as const) {
        const ids = (r: Recommender) => r.recommend(u, strategy, 5).items.map((i) => i.productId)
        expect(ids(replica)).toEqual(ids(live))
      }
    }
  } finally {
    await follower.close()
  }
})

test('the home and cart pages show recommendations with reasons, and a click on one is tracked as served', async () => {
  for (const path of ['/', '/cart']) {
    const html = await (await shop.app.request(path)).text()
    expect(html).toContain('<section id="recommendations">')
    expect(html).toContain('<div id="live" hx-sse:connect="/live?parts=recommendations" hidden="">')
    expect(html).toContain('Recommended for you')
    expect(html).toMatch(/href="\/products\/[^"?]+\?rec=hybrid\.1"/)
  }

  const [a] = products as [Product]
  const page = await shop.app.request(`/products/${a.slug}?rec=hybrid.2`)
  expect(page.status).toBe(200)
  const rows = await shop.platform.database.client.execute(
    "select data from outbox where type = 'recommendation.clicked' order by seq desc limit 1",
  )
  expect(JSON.parse(String(rows.rows[0]?.data))).toMatchObject({
    productId: a.id,
    metadata: { strategy: 'hybrid', position: 2 },
  })
})

test('a page has one live stream for its parts, each update a partial for its element; unknown parts are refused', async () => {
  const [a] = products as [Product]
  const abort = new AbortController()
  const res = await shop.app.request(
    `/live?parts=${encodeURIComponent(`recommendations,also-bought:${a.id}`)}`,
    { signal: abort.signal, headers: { accept: 'text/event-stream' } },
  )
  expect(res.headers.get('content-type')).toContain('text/event-stream')
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  let text = ''
  while ((text.match(/^data: <hx-partial/gm) ?? []).length < 2) {
    const { value, done } = await reader.read()
    if (done) break
    text += new TextDecoder().decode(value)
  }
  abort.abort()
  await reader.cancel().catch(() => {})
  expect(text).toContain(
    'data: <hx-partial hx-target="#recommendations" hx-swap="outerHTML"><section id="recommendations"><h2>Recommended for you</h2>',
  )
  expect(text).toContain(
    'data: <hx-partial hx-target="#also-bought" hx-swap="outerHTML"><section id="also-bought"><h2>Customers also bought</h2>',
  )

  const unknown = await shop.app.request('/live?parts=recommendations,secrets', {
    headers: { accept: 'application/json' },
  })
  expect(unknown.status).toBe(400)
  expect(JSON.stringify(await unknown.json())).toContain("unknown live part 'secrets'")
  expect((await shop.app.request('/live?parts=also-bought:no-such-product')).status).toBe(404)
  expect((await shop.app.request('/live')).status).toBe(400)
})

test('events of a deleted product are forgotten: it is never recommended again', async () => {
  const event = createEvent(
    'product.deleted',
    { productId: (products[1] as Product).id, slug: 'x', name: 'x', categoryId: 'c' },
    { source: '/test' },
  )
  await shop.platform.bus.publish([toRecord(event)])
  await eventually(
    async () => {
      const also = await shop.app.request(
        `/api/recommendations/products/${(products[0] as Product).id}/also-bought`,
      )
      const data = ((await also.json()) as { data: { productId: string }[] }).data
      return !data.some((d) => d.productId === (products[1] as Product).id)
    },
    30_000,
    'the deleted product to leave the recommendations',
  )
})

test('the stream sends the current answer, again when it changes, and stops watching on disconnect', async () => {
  // Products no other test here touches.
  const [a, b] = products.slice(20, 22) as [Product, Product]
  const me = unique('streamer')
  const abort = new AbortController()
  const res = await shop.app.request(
    `/api/recommendations/${me}/stream?strategy=item-item&limit=3`,
    {
      signal: abort.signal,
    },
  )
  expect(res.headers.get('content-type')).toContain('text/event-stream')
  const stream = sseMessages(res)
  const nextMessage = () => stream.next()
  expect(await nextMessage()).toMatchObject({ metadata: { userId: me, coldStart: true } })
  expect(shop.recommender.recommender.liveMetrics().watchers).toBeGreaterThan(0)

  // This shopper views a; only afterwards do others engage with a and b together. Their events
  // change this shopper's answer too, and the stream must push it.
  await shop.post('/api/events', view(me, a.id))
  let update = await nextMessage()
  while (update.metadata.coldStart) update = await nextMessage()
  const others = Array.from({ length: 3 }, () => unique('other'))
  await shop.post('/api/events', {
    events: others.flatMap((u) => [view(u, a.id), view(u, b.id)]),
  })
  while (update.data[0]?.productId !== b.id) update = await nextMessage()
  expect(update.metadata.coldStart).toBe(false)
  expect(update.data[0]).toMatchObject({ productId: b.id, reason: `because you viewed ${a.name}` })

  abort.abort()
  await stream.cancel()
  await eventually(
    () => shop.recommender.recommender.liveMetrics().watchers === 0,
    10_000,
    'the stream to stop watching',
  )
})
