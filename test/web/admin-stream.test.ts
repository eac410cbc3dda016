// The admin's Stream tab on the real broker: the catalog's topics with their end offsets, the
// consumer groups with members and lag, a topic's dead letters with their errors, and a poisoned
// record that, once its consumer is fixed, is replayed from the page and applied exactly once.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { defineConsumer } from '../../shared/consumers/define.ts'
import { AppError } from '../../shared/errors.ts'
import { createEvent, toRecord } from '../../shared/events/envelope.ts'
import { adminOf } from '../helpers/admin.ts'
import { eventually, unique } from '../helpers/broker.ts'
import { TestBrowser } from '../helpers/browser.ts'
import { type SagaShop, shopper, startSagaShop } from '../helpers/saga.ts'

let shop: SagaShop
let admin: () => Promise<TestBrowser>

beforeAll(async () => {
  shop = await startSagaShop()
  admin = await adminOf(shop)
})

afterAll(() => shop.close())

describe('admin: stream', () => {
  test('only admins see it', async () => {
    const guest = new TestBrowser(shop.app)
    const away = await guest.request('/admin/stream', {}, false)
    expect(away.status).toBe(303)
    const customer = await shopper(shop)
    for (const path of [
      '/admin/stream',
      '/admin/stream/dlq/product-events.dlq',
      '/admin/stream/tail?topic=order-events',
    ])
      expect((await customer.browser.get(path)).status, path).toBe(403)
    const post = await customer.browser.post('/admin/stream/dlq/product-events.dlq/replay', {})
    expect(post.status).toBe(403)
    expect((await customer.browser.get('/live?parts=admin-stream')).status).toBe(403)
  })

  test('lists the topics with their end offsets and the groups with members and lag', async () => {
    const boss = await admin()
    expect((await boss.get('/admin/stream')).status).toBe(200)
    const html = boss.lastHtml
    const [described] = await shop.platform.bus.describeTopics(['order-events'])
    const ends = (described?.partitions ?? []).map((p) => String(p.end)).join(' ')
    expect(html).toContain(
      `<tr data-topic="order-events"><td>order-events</td><td>${described?.partitions.length}</td><td class="end-offsets">${ends}</td>`,
    )
    // The saga shop's inventory consumer is running here: a member of its group.
    expect(html).toMatch(/<tr data-group="inventory"><td>inventory<\/td><td>active<\/td><td>[1-9]/)
    expect((await boss.get('/admin/stream/tail?topic=nope')).status).toBe(400)
    expect(
      (await boss.get(`/admin/stream/tail?topic=order-events&q=${'x'.repeat(61)}`)).status,
    ).toBe(400)
  })

  test('a poisoned record is dead-lettered with its error, and once fixed, replayed from the page and applied once', async () => {
    let broken = true
    const applied: string[] = []
    const consumer = defineConsumer({
      group: unique('price-sync'),
      topic: 'product-events',
      types: ['product.updated'],
      async handle(event) {
        if (broken)
          throw new AppError('the price service refused the update', {
            code: 'REFUSED',
            status: 422,
          })
        applied.push(event.id)
      },
    })
    await shop.platform.bus.seek(consumer.group, consumer.topic, 'latest')
    await shop.platform.consumers.start([consumer])
    const event = createEvent(
      'product.updated',
      { productId: unique('p'), changes: {}, updatedAt: new Date().toISOString() },
      { source: '/test/stream' },
    )
    await shop.platform.bus.publish([toRecord(event)])

    const boss = await admin()
    const row = await eventually(
      async () => {
        await boss.get('/admin/stream/dlq/product-events.dlq')
        return boss.lastHtml.match(
          new RegExp(`<tr data-offset="(\\d+)" data-event="${event.id}">.*?</tr>`),
        )
      },
      30_000,
      'the dead letter on the page',
    )
    expect(row[0]).toContain('the price service refused the update')
    expect(row[0]).toContain(consumer.group)
    expect(applied).toEqual([])

    broken = false
    const replay = () =>
      boss.post('/admin/stream/dlq/product-events.dlq/replay', { offset: row[1] as string })
    expect((await replay()).status).toBe(303)
    expect(boss.lastHtml).toContain('1 record published again')
    await eventually(() => applied.length === 1, 30_000, 'the replayed record applied')
    // Replayed again: the group has applied that event id, so nothing happens twice.
    await replay()
    await Bun.sleep(1500)
    expect(applied).toEqual([event.id])
    const [dlq] = await shop.platform.bus.describeTopics(['product-events.dlq'])
    expect(dlq?.partitions.some((p) => p.end > 0n)).toBe(true)
    expect(
      (await boss.post('/admin/stream/dlq/product-events.dlq/replay', { offset: '999999999' }))
        .status,
    ).toBe(400)
    // Each replay is an admin change on the audit trail; the refused one changed nothing.
    const audited = await shop.platform.database.client.execute({
      sql: "select data from outbox where type = 'admin.changed' and data like ?",
      args: ['%/admin/stream/dlq/product-events.dlq/replay%'],
    })
    expect(audited.rows.map((r) => JSON.parse(String(r.data)).status)).toEqual([303, 303])
  })

  test('the live tail shows the records of a topic that contain the filter', async () => {
    const boss = await admin()
    const marker = unique('tail-marker')
    await boss.get(`/admin/stream/tail?topic=order-events&q=${marker}`)
    const part = boss.lastHtml.match(/parts=(admin-tail%3A[^"&]+)/)?.[1]
    expect(part).toBeDefined()
    const abort = new AbortController()
    const res = await boss.request(`/live?parts=${part}`, { signal: abort.signal })
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    let text = ''
    const other = unique('other')
    const status = (orderId: string) =>
      toRecord(
        createEvent(
          'order.status_updated',
          { orderId, correlationId: orderId, userId: 'u', status: 'placed', step: 'test' },
          { source: '/test/stream' },
        ),
      )
    // The tail joins its group in the background: publish until the marked record shows.
    const publisher = setInterval(() => {
      void shop.platform.bus.publish([status(marker), status(other)])
    }, 500)
    const deadline = Date.now() + 30_000
    try {
      while (!text.includes(marker) && Date.now() < deadline) {
        const { value, done } = await reader.read()
        if (done) break
        text += new TextDecoder().decode(value)
      }
    } finally {
      clearInterval(publisher)
      abort.abort()
      await reader.cancel().catch(() => {})
    }
    expect(text).toContain(marker)
    expect(text).not.toContain(other)
  })
})
