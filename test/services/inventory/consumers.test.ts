// Inventory's consumers on a real broker: the catalog's product events set its counts, and the
// saga's commands reserve and release stock, once per command id, answered on inventory-events.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { consumers, reservationsOf, stockOf } from '../../../services/inventory/index.ts'
import { setStock } from '../../../services/inventory/inventory.ts'
import { processedEvents } from '../../../shared/bus/schema.ts'
import type { ConsumedRecord } from '../../../shared/bus/types.ts'
import { createEvent, type EventEnvelope, toRecord } from '../../../shared/events/envelope.ts'
import { type Platform, startPlatform } from '../../../shared/platform.ts'
import { eventually, readTopic, tempDatabase, testConfig, unique } from '../../helpers/broker.ts'
import { productCreated } from '../../helpers/events.ts'

let platform: Platform
let dir: string

beforeAll(async () => {
  const scratch = await tempDatabase()
  scratch.close()
  dir = scratch.dir
  platform = await startPlatform(
    testConfig({ DATABASE_URL: `file:${join(dir, 'inventory.db')}` }),
    { allowEmbedded: false },
  )
  // Groups of their own, starting now: no other run's records, and no other process's partitions.
  const since = Date.now()
  const own = consumers.map((c) => ({ ...c, group: unique(c.group) }))
  for (const c of own) await platform.bus.seek(c.group, c.topic, { timestamp: since })
  await platform.consumers.start(own)
})

afterAll(async () => {
  await platform.close()
  rmSync(dir, { recursive: true, force: true })
})

const publish = (...events: EventEnvelope[]) => platform.bus.publish(events.map(toRecord))
const stock = (productId: string) => stockOf(platform.database.db, productId)
/** Whether a consumer has applied (and committed) the event. */
const processed = async (eventId: string) =>
  (
    await platform.database.db
      .select()
      .from(processedEvents)
      .where(eq(processedEvents.eventId, eventId))
  ).length > 0

function command<T extends 'inventory.reservation_requested' | 'inventory.release_requested'>(
  type: T,
  orderId: string,
  extra: T extends 'inventory.reservation_requested'
    ? { items: { productId: string; quantity: number }[] }
    : object,
  commandId = unique('command'),
) {
  const data = { orderId, correlationId: orderId, commandId, ...extra }
  return createEvent(type, data as never, { source: '/test' })
}

/** The answers to one order's commands, read off inventory-events from `since`. */
async function answersFor(orderId: string, since: number, count = 1) {
  const mine = (rs: ConsumedRecord[]) =>
    rs
      .filter((r) => r.key === orderId && !String(r.headers.ce_type).endsWith('_requested'))
      .map((r) => ({ type: r.headers.ce_type, data: JSON.parse(r.value) }))
  return mine(
    await readTopic(
      platform.bus,
      'inventory-events',
      (rs) => mine(rs).length >= count,
      30_000,
      since,
    ),
  )
}

describe('product events', () => {
  test('a new product gets its stock, an admin count replaces it, a deletion empties it', async () => {
    const p = unique('product')
    await publish(productCreated(p, { stock: 7 }))
    await eventually(async () => (await stock(p))?.available === 7, 30_000, 'the stock')
    // A product.created for a product inventory knows (a redelivery, a replay) keeps its count.
    const again = productCreated(p, { stock: 99 })
    await publish(again)
    await eventually(() => processed(again.id), 30_000, 'the second product.created')
    expect(await stock(p)).toMatchObject({ available: 7 })
    await publish(
      createEvent(
        'product.updated',
        { productId: p, changes: { name: 'Renamed' }, updatedAt: new Date().toISOString() },
        { source: '/test' },
      ),
      createEvent(
        'product.updated',
        { productId: p, changes: { stock: 12 }, updatedAt: new Date().toISOString() },
        { source: '/test' },
      ),
    )
    // One key, one partition: the events apply in order, so 12 is the last word.
    await eventually(async () => (await stock(p))?.available === 12, 30_000, 'the new count')
    await publish(
      createEvent(
        'product.deleted',
        { productId: p, slug: p, name: 'Gone', categoryId: 'c' },
        { source: '/test' },
      ),
    )
    await eventually(async () => (await stock(p))?.available === 0, 30_000, 'no stock left')
  })
})

describe('saga commands', () => {
  test('a reservation is answered with inventory.reserved and its units are held', async () => {
    const p = unique('product')
    await setStock(platform.database.db, p, 5)
    const order = unique('order')
    const since = Date.now()
    const items = [{ productId: p, quantity: 2 }]
    const requested = command('inventory.reservation_requested', order, { items })
    await publish(requested)
    const [answer] = await answersFor(order, since)
    expect(answer).toEqual({
      type: 'inventory.reserved',
      data: { orderId: order, correlationId: order, commandId: requested.data.commandId, items },
    })
    expect(await stock(p)).toEqual({ productId: p, available: 3, reserved: 2 })
    expect(await reservationsOf(platform.database.db, order)).toMatchObject([
      { productId: p, quantity: 2, status: 'held' },
    ])
  })

  test('the same command twice (a retry under a new event id) reserves once, answered twice', async () => {
    const p = unique('product')
    await setStock(platform.database.db, p, 5)
    const order = unique('order')
    const since = Date.now()
    const items = [{ productId: p, quantity: 3 }]
    const first = command('inventory.reservation_requested', order, { items })
    const retry = command('inventory.reservation_requested', order, { items }, first.data.commandId)
    expect(retry.id).not.toBe(first.id)
    await publish(first, retry)
    const answers = await answersFor(order, since, 2)
    const reserved = {
      type: 'inventory.reserved',
      data: { orderId: order, correlationId: order, commandId: first.data.commandId, items },
    }
    expect(answers).toEqual([reserved, reserved])
    expect(await stock(p)).toEqual({ productId: p, available: 2, reserved: 3 })
  })

  test('an order with a line out of stock is refused with out_of_stock and holds nothing', async () => {
    const [plenty, scarce] = [unique('plenty'), unique('scarce')]
    await setStock(platform.database.db, plenty, 10)
    await setStock(platform.database.db, scarce, 1)
    const order = unique('order')
    const since = Date.now()
    const requested = command('inventory.reservation_requested', order, {
      items: [
        { productId: plenty, quantity: 4 },
        { productId: scarce, quantity: 2 },
      ],
    })
    await publish(requested)
    const [answer] = await answersFor(order, since)
    expect(answer?.type).toBe('inventory.reservation_failed')
    expect(answer?.data).toMatchObject({
      orderId: order,
      commandId: requested.data.commandId,
      reason: 'out_of_stock',
      productId: scarce,
    })
    expect(answer?.data.message).toBeString()
    expect(await stock(plenty)).toEqual({ productId: plenty, available: 10, reserved: 0 })
    expect(await stock(scarce)).toEqual({ productId: scarce, available: 1, reserved: 0 })
    expect(await reservationsOf(platform.database.db, order)).toEqual([])
  })

  test('a release is answered with inventory.released and the units are available again', async () => {
    const p = unique('product')
    await setStock(platform.database.db, p, 4)
    const order = unique('order')
    const since = Date.now()
    await publish(
      command('inventory.reservation_requested', order, { items: [{ productId: p, quantity: 4 }] }),
    )
    const release = command('inventory.release_requested', order, {})
    // Same key, same partition: the release is applied after the reservation.
    await publish(release)
    // A second release command (another command id) finds nothing left to give back.
    await publish(command('inventory.release_requested', order, {}))
    const answers = await answersFor(order, since, 3)
    expect(answers.map((a) => a.type)).toEqual([
      'inventory.reserved',
      'inventory.released',
      'inventory.released',
    ])
    expect(answers[1]?.data).toEqual({
      orderId: order,
      correlationId: order,
      commandId: release.data.commandId,
    })
    expect(await stock(p)).toEqual({ productId: p, available: 4, reserved: 0 })
    expect(await reservationsOf(platform.database.db, order)).toMatchObject([
      { productId: p, status: 'released' },
    ])
  })
})
