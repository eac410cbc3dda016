import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { outbox } from '../../../shared/bus/schema.ts'
import type { ConsumedRecord } from '../../../shared/bus/types.ts'
import { eventually, unique } from '../../helpers/broker.ts'
import { readTopicSince, startTestShop, type TestShop } from '../../helpers/shop.ts'

let shop: TestShop
// The broker's topics hold every earlier run's records: read only what this file's shop published.
let since: number

beforeAll(async () => {
  since = Date.now() - 1000
  shop = await startTestShop({ INGEST_MAX_BODY_BYTES: '65536' })
})

afterAll(async () => {
  await shop.close()
})

const keyed = (user: string) => (records: ConsumedRecord[]) => records.filter((r) => r.key === user)

describe('POST /api/events', () => {
  test('accepts a batch with 202 and publishes each event keyed by user id with CloudEvents headers', async () => {
    const user = unique('shopper')
    const res = await shop.post('/api/events', {
      events: [
        { type: 'product.viewed', userId: user, productId: 'p-1' },
        { type: 'product_view', userId: user, productId: 'p-2', data: { page: 'home' } },
        { type: 'add_to_cart', userId: user, productId: 'p-2', quantity: 2 },
      ],
    })
    expect(res.status).toBe(202)
    const body = (await res.json()) as { accepted: number; ids: string[]; duplicates: number }
    expect(body.accepted).toBe(3)
    expect(body.duplicates).toBe(0)
    expect(body.ids).toHaveLength(3)

    const views = keyed(user)(
      await readTopicSince(
        shop.platform.bus,
        'user-events',
        since,
        (r) => keyed(user)(r).length >= 2,
      ),
    )
    expect(views.map((r) => r.headers.ce_id)).toEqual(body.ids.slice(0, 2))
    expect(views[0]?.headers).toMatchObject({
      ce_type: 'product.viewed',
      ce_source: '/streamshop/ingest',
      ce_specversion: '1.0',
      'content-type': 'application/json',
    })
    expect(JSON.parse(views[1]?.value ?? '{}')).toEqual({
      userId: user,
      productId: 'p-2',
      metadata: { page: 'home' },
    })

    const carts = keyed(user)(
      await readTopicSince(
        shop.platform.bus,
        'cart-events',
        since,
        (r) => keyed(user)(r).length >= 1,
      ),
    )
    expect(carts[0]?.headers.ce_type).toBe('cart.item_added')
    expect(JSON.parse(carts[0]?.value ?? '{}')).toMatchObject({ quantity: 2 })
  })

  test('rejects bad input with the documented 4xx problem+json and publishes nothing from it', async () => {
    const user = unique('bad')
    const event = { type: 'product.viewed', userId: user, productId: 'p-1' }
    const cases: { name: string; status: number; send: () => Promise<Response>; field?: string }[] =
      [
        {
          name: 'wrong type',
          status: 400,
          field: 'events[1].rating',
          send: () =>
            shop.post('/api/events', {
              events: [
                event,
                { type: 'product.rated', userId: user, productId: 'p', rating: 'five' },
              ],
            }),
        },
        {
          name: 'unknown event type',
          status: 400,
          field: 'type',
          send: () => shop.post('/api/events', { ...event, type: 'product.teleported' }),
        },
        {
          name: 'missing user id',
          status: 400,
          field: 'userId',
          send: () => shop.post('/api/events', { type: 'product.viewed', productId: 'p' }),
        },
        {
          name: 'missing product id',
          status: 400,
          field: 'events[0].productId',
          send: () =>
            shop.post('/api/events', { events: [{ type: 'product.viewed', userId: user }, event] }),
        },
        {
          name: '1,001 events',
          status: 413,
          send: () =>
            shop.post('/api/events', { events: Array.from({ length: 1001 }, () => event) }),
        },
        {
          name: 'non-JSON',
          status: 400,
          field: 'body',
          send: () => shop.post('/api/events', '{"type": "product.viewed", '),
        },
        {
          name: 'wrong content type',
          status: 415,
          send: () =>
            shop.post('/api/events', JSON.stringify(event), { 'content-type': 'text/plain' }),
        },
        {
          name: 'form content type',
          status: 415,
          send: () =>
            shop.post('/api/events', `type=product.viewed&userId=${user}`, {
              'content-type': 'application/x-www-form-urlencoded',
            }),
        },
        {
          // The track body's name for context: sent here it would vanish, so it is refused.
          name: 'an unknown field',
          status: 400,
          field: 'events[1].metadata',
          send: () =>
            shop.post('/api/events', { events: [event, { ...event, metadata: { page: 'home' } }] }),
        },
        {
          name: 'occurredAt in the future',
          status: 400,
          field: 'occurredAt',
          send: () => shop.post('/api/events', { ...event, occurredAt: '2099-01-01T00:00:00Z' }),
        },
        {
          name: 'data too large for one event',
          status: 400,
          field: 'data',
          send: () => shop.post('/api/events', { ...event, data: { blob: 'x'.repeat(40_000) } }),
        },
        {
          name: 'body over the limit',
          status: 413,
          send: () => shop.post('/api/events', { ...event, data: { blob: 'x'.repeat(70_000) } }),
        },
      ]
    for (const c of cases) {
      const res = await c.send()
      expect({ case: c.name, status: res.status }).toEqual({ case: c.name, status: c.status })
      expect(res.headers.get('content-type')).toContain('application/problem+json')
      const problem = (await res.json()) as {
        status: number
        detail: string
        errors?: { field: string }[]
      }
      expect(problem.status).toBe(c.status)
      expect(problem.detail.length).toBeGreaterThan(0)
      if (c.field) expect(problem.errors?.map((e) => e.field)).toContain(c.field)
    }

    const db = shop.platform.database.db
    expect(await db.select().from(outbox).where(eq(outbox.key, user))).toHaveLength(0)
    // A valid event after the bad ones is the only one the topic ever gets for this user.
    const sentinel = await shop.post('/api/events', { ...event, productId: 'sentinel' })
    expect(sentinel.status).toBe(202)
    const mine = keyed(user)(
      await readTopicSince(
        shop.platform.bus,
        'user-events',
        since,
        (r) => keyed(user)(r).length >= 1,
      ),
    )
    expect(mine.map((r) => JSON.parse(r.value).productId)).toEqual(['sentinel'])
  })

  test('accepts a repeated event id once', async () => {
    const user = unique('repeat')
    const id = Bun.randomUUIDv7()
    const event = { id, type: 'product.viewed', userId: user, productId: 'p-1' }
    const first = await shop.post('/api/events', event)
    const second = await shop.post('/api/events', { events: [event, event] })
    expect(first.status).toBe(202)
    expect(second.status).toBe(202)
    expect(await second.json()).toMatchObject({ accepted: 2, duplicates: 2, ids: [id, id] })
    await shop.post('/api/events', { type: 'product.viewed', userId: user, productId: 'after' })
    const mine = keyed(user)(
      await readTopicSince(
        shop.platform.bus,
        'user-events',
        since,
        (r) => keyed(user)(r).length >= 2,
      ),
    )
    expect(mine.map((r) => r.headers.ce_id).filter((x) => x === id)).toHaveLength(1)
  })
})

describe('POST /api/events/track (the seed body)', () => {
  test('answers success and an event id, and publishes the event', async () => {
    const res = await shop.post('/api/events/track', {
      userId: 4242,
      eventType: 'purchase',
      productId: 'p-9',
      metadata: { price: 10 },
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { success: boolean; eventId: string }
    expect(body.success).toBe(true)
    const records = await readTopicSince(shop.platform.bus, 'user-events', since, (r) =>
      r.some((x) => x.headers.ce_id === body.eventId),
    )
    const record = records.find((x) => x.headers.ce_id === body.eventId)
    expect(record?.key).toBe('4242')
    expect(record?.headers.ce_type).toBe('product.purchased')
  })

  test('answers a bad body with problem+json that keeps the seed fields', async () => {
    const res = await shop.post('/api/events/track', { eventType: 'teleport', userId: 'u' })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ success: false, errors: [{ field: 'eventType' }] })
  })
})

describe('health, readiness and metrics', () => {
  test('report the process, the database and the bus', async () => {
    // A consumer group that has read user-events shows up with its lag.
    await shop.post('/api/events', {
      type: 'product.viewed',
      userId: unique('lag'),
      productId: 'p',
    })
    const group = unique('lagging')
    // From this file's start, not through every earlier run's records.
    await shop.platform.bus.seek(group, 'user-events', { timestamp: since })
    const sub = await shop.platform.bus.subscribe({
      group,
      topics: ['user-events'],
      handler: async () => {},
    })
    await eventually(
      async () =>
        (await shop.platform.bus.lag(group, ['user-events'])).some((p) => p.committed !== null),
      30_000,
      'a commit',
    )
    await sub.close()
    expect((await shop.app.request('/healthz')).status).toBe(200)
    const ready = await shop.app.request('/readyz')
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ checks: { database: 'ok', bus: 'ok' } })
    expect(await (await shop.app.request('/api/health')).json()).toMatchObject({ status: 'OK' })
    const metrics = await (await shop.app.request('/metrics')).text()
    for (const name of [
      'streamshop_events_ingested_total',
      'streamshop_events_produced_total',
      'streamshop_outbox_depth',
      'streamshop_http_request_seconds_bucket',
      `streamshop_consumer_lag{group="${group}",topic="user-events"`,
    ]) {
      expect(metrics).toContain(name)
    }
  })

  test('unknown routes answer 404 problem+json', async () => {
    const res = await shop.app.request('/api/nothing-here')
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
  })
})
