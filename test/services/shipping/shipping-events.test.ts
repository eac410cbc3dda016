import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { shippingEvents } from '../../../services/shipping/consumers/shipping-events.ts'
import { Carrier, consumers, shipmentCounts, shipmentOf } from '../../../services/shipping/index.ts'
import { commandReplies, outbox } from '../../../shared/bus/schema.ts'
import type { Config } from '../../../shared/config/index.ts'
import type { ConsumerDefinition } from '../../../shared/consumers/define.ts'
import { ConsumerSet, retryPolicy } from '../../../shared/consumers/registry.ts'
import { createEvent, toRecord } from '../../../shared/events/envelope.ts'
import type { EventData, EventType } from '../../../shared/events/types.ts'
import { type Platform, startPlatform } from '../../../shared/platform.ts'
import { eventually, readTopic, testConfig, unique } from '../../helpers/broker.ts'

let platform: Platform
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'streamshop-shipping-'))
  platform = await startPlatform(testConfig({ DATABASE_URL: `file:${join(dir, 'shipping.db')}` }))
})

afterAll(async () => {
  await platform.close()
  rmSync(dir, { recursive: true, force: true })
})

/**
 * Runs shipping consumers for one test, under a group of their own that starts at the topic's end:
 * every test shares `shipping-events` with the run's other tests, and with the ones before it.
 */
async function running(
  definitions: readonly ConsumerDefinition[],
): Promise<{ close(): Promise<void> }> {
  const set = new ConsumerSet({
    bus: platform.bus,
    db: platform.database.db,
    retry: retryPolicy(platform.config),
  })
  const mine = definitions.map((d) => ({ ...d, group: unique('shipping') }))
  for (const d of mine) await platform.bus.seek(d.group, d.topic, 'latest')
  await set.start(mine)
  return {
    async close() {
      await set.close()
      for (const d of mine) await platform.bus.deleteGroup(d.group).catch(() => {})
    },
  }
}

const reliable = () => [shippingEvents(new Carrier({ failureRate: 0, latencyMs: 5 }))]

function command<T extends EventType>(type: T, data: EventData<T>) {
  return toRecord(createEvent(type, data, { source: '/test/orders' }))
}

function creationRequested(orderId: string, commandId = `${orderId}/create_shipment`) {
  return command('shipment.creation_requested', {
    orderId,
    correlationId: orderId,
    commandId,
    userId: 'u-ada',
    address: {
      name: 'Ada Lovelace',
      street: '1 Analytical Way',
      city: 'London',
      postalCode: 'N1 9GU',
      country: 'United Kingdom',
    },
    items: [{ productId: 'p-1', quantity: 2 }],
  })
}

function cancellationRequested(orderId: string) {
  return command('shipment.cancellation_requested', {
    orderId,
    correlationId: orderId,
    commandId: `${orderId}/cancel_shipment`,
  })
}

/** The shipping service's answers about one order, once `count` of them are on the topic. */
async function repliesFor(orderId: string, since: number, count: number) {
  const isReply = (r: { key: string | null; headers: Record<string, string> }) =>
    r.key === orderId && r.headers.ce_source === '/streamshop/shipping'
  const records = await readTopic(
    platform.bus,
    'shipping-events',
    (rs) => rs.filter(isReply).length >= count,
    30_000,
    since,
  )
  return records
    .filter(isReply)
    .map((r) => ({ type: r.headers.ce_type, id: r.headers.ce_id, data: JSON.parse(r.value) }))
}

describe('shipping, as a saga participant', () => {
  test('a creation request without an address is dead-lettered, not taken for a cancellation', async () => {
    const set = await running(reliable())
    try {
      const orderId = unique('order')
      const since = Date.now()
      await platform.bus.publish([creationRequested(orderId)])
      await repliesFor(orderId, since, 1)
      // The cancellation's fields are all there; only the creation's own schema misses the address.
      const broken = creationRequested(orderId, `${orderId}/again`)
      const data = JSON.parse(broken.value) as Record<string, unknown>
      delete data.address
      await platform.bus.publish([{ ...broken, value: JSON.stringify(data) }])
      // Dead letters leave through the outbox: the row is the runner's verdict, whenever it is sent.
      const letter = await eventually(async () => {
        const rows = await platform.database.db
          .select()
          .from(outbox)
          .where(eq(outbox.topic, 'shipping-events.dlq'))
        return rows.find((r) => r.headers?.ce_id === broken.headers.ce_id)
      })
      expect(letter.headers?.dlq_error).toContain('address')
      expect((await shipmentOf(platform.database.db, orderId))?.status).toBe('created')
    } finally {
      await set.close()
    }
  })

  test('creates one shipment for a creation request and answers shipment.created', async () => {
    const set = await running(reliable())
    try {
      const orderId = unique('order')
      const since = Date.now()
      await platform.bus.publish([creationRequested(orderId)])
      const [answer] = await repliesFor(orderId, since, 1)
      const shipment = await shipmentOf(platform.database.db, orderId)
      expect(shipment).toMatchObject({ status: 'created', userId: 'u-ada', cancelledAt: null })
      expect(shipment?.items).toEqual([{ productId: 'p-1', quantity: 2 }])
      expect(shipment?.address.city).toBe('London')
      expect(answer).toMatchObject({
        type: 'shipment.created',
        data: {
          orderId,
          correlationId: orderId,
          commandId: `${orderId}/create_shipment`,
          shipmentId: shipment?.id,
        },
      })
    } finally {
      await set.close()
    }
  })

  test('applies a command sent twice once, and answers both times alike', async () => {
    const set = await running(reliable())
    try {
      const orderId = unique('order')
      const since = Date.now()
      const { created: before } = await shipmentCounts(platform.database.db)
      // The same command (one command id) under two event ids: an orchestrator's retry.
      const [first, second] = [creationRequested(orderId), creationRequested(orderId)]
      expect(first.headers.ce_id).not.toBe(second.headers.ce_id)
      await platform.bus.publish([first])
      await platform.bus.publish([second])
      const answers = await repliesFor(orderId, since, 2)
      expect(answers).toHaveLength(2)
      expect(answers[0]?.type).toBe('shipment.created')
      expect(answers[1]?.type).toBe(answers[0]?.type as string)
      expect(answers[1]?.data).toEqual(answers[0]?.data)
      expect((await shipmentCounts(platform.database.db)).created).toBe(before + 1)
      const applied = await platform.database.db
        .select()
        .from(commandReplies)
        .where(eq(commandReplies.orderId, orderId))
      expect(applied).toHaveLength(1)
    } finally {
      await set.close()
    }
  })

  test('answers shipment.failed with the reason and leaves no shipment when the carrier refuses', async () => {
    const failing: Config = testConfig({ SHIPPING_FAILURE_RATE: '1', SHIPPING_LATENCY_MS: '0' })
    const set = await running(consumers(failing))
    try {
      const orderId = unique('order')
      const since = Date.now()
      await platform.bus.publish([creationRequested(orderId)])
      const [answer] = await repliesFor(orderId, since, 1)
      expect(answer).toMatchObject({
        type: 'shipment.failed',
        data: {
          orderId,
          commandId: `${orderId}/create_shipment`,
          reason: 'shipping_unavailable',
          message: 'No carrier can deliver this order right now.',
        },
      })
      expect(await shipmentOf(platform.database.db, orderId)).toBeNull()
    } finally {
      await set.close()
    }
  })

  test('cancels the shipment when the saga compensates, and a cancel with nothing to undo is answered too', async () => {
    const set = await running(reliable())
    try {
      const orderId = unique('order')
      const since = Date.now()
      const { cancelled: before } = await shipmentCounts(platform.database.db)
      await platform.bus.publish([creationRequested(orderId), cancellationRequested(orderId)])
      const answers = await repliesFor(orderId, since, 2)
      expect(answers.map((a) => a.type)).toEqual(['shipment.created', 'shipment.cancelled'])
      expect(answers[1]?.data).toEqual({
        orderId,
        correlationId: orderId,
        commandId: `${orderId}/cancel_shipment`,
      })
      const shipment = await shipmentOf(platform.database.db, orderId)
      expect(shipment?.status).toBe('cancelled')
      expect(shipment?.cancelledAt).toBeNumber()
      expect((await shipmentCounts(platform.database.db)).cancelled).toBe(before + 1)

      // An order the carrier never took: compensation may still ask, and is told it is done.
      const never = unique('order')
      const later = Date.now()
      await platform.bus.publish([cancellationRequested(never)])
      const [done] = await repliesFor(never, later, 1)
      expect(done?.type).toBe('shipment.cancelled')
      expect(await shipmentOf(platform.database.db, never)).toBeNull()
    } finally {
      await set.close()
    }
  })
})
