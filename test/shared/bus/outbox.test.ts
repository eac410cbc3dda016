import { afterAll, beforeAll, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { EmbeddedBus } from '../../../shared/bus/embedded.ts'
import { outboxDepth, outboxInserts } from '../../../shared/bus/outbox.ts'
import { OutboxRelay } from '../../../shared/bus/relay.ts'
import { outbox, outboxRejected } from '../../../shared/bus/schema.ts'
import type { BusRecord, EventBus } from '../../../shared/bus/types.ts'
import { createEvent } from '../../../shared/events/envelope.ts'
import { catalogWithDlqs } from '../../../shared/events/topics.ts'
import { eventually, kafkaBus, readTopic, tempDatabase, unique } from '../../helpers/broker.ts'
import { eventsOn, expectedByKey, idsByKey, topicSpec, writeOutbox } from './relay-helpers.ts'

let database: Awaited<ReturnType<typeof tempDatabase>>

beforeAll(async () => {
  database = await tempDatabase()
  await database.client.execute(
    'create table carts (user_id text primary key, items integer not null)',
  )
})

afterAll(() => database.close())

const viewed = (userId: string, productId: string) =>
  createEvent('cart.item_added', { userId, productId, metadata: {} }, { source: '/test' })

test('a state change and its events commit together or not at all', async () => {
  const { db } = database
  const user = unique('atomic')
  await db.batch([
    db.run(sql`insert into carts values (${user}, 1)`),
    ...outboxInserts(db, [viewed(user, 'p1')]),
  ])
  // The second change collides with the first (same primary key): its event must not survive either.
  await expect(
    db.batch([
      db.run(sql`select 1`),
      ...outboxInserts(db, [viewed(user, 'p2')]),
      db.run(sql`insert into carts values (${user}, 2)`),
    ]),
  ).rejects.toThrow()
  const rows = await db.select().from(outbox).where(sql`${outbox.key} = ${user}`)
  expect(rows.map((r) => JSON.parse(r.data).productId)).toEqual(['p1'])
})

test('two relays running at once on one database: only the lease holder publishes, in order, once', async () => {
  const { db } = database
  const kafka = kafkaBus()
  const topic = unique('lease')
  await kafka.ensureTopics([topicSpec(topic, 3)])
  const events = eventsOn(topic, 120, ['u1', 'u2', 'u3', 'u4'])
  await writeOutbox(db, events)
  // Every publish takes a while, so both relays are alive and polling during the whole drain: without
  // the lease they would both read the same cursor and publish the same rows side by side.
  const publishing = new Set<string>()
  const publishers = new Set<string>()
  let overlaps = 0
  const slow = (name: string): EventBus =>
    new Proxy(kafka, {
      get(target, property) {
        if (property === 'publish') {
          return async (records: BusRecord[]) => {
            if ([...publishing].some((other) => other !== name)) overlaps++
            publishing.add(name)
            publishers.add(name)
            try {
              await Bun.sleep(25)
              await target.publish(records)
            } finally {
              publishing.delete(name)
            }
          }
        }
        const value = Reflect.get(target, property)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  const opts = { batchSize: 10, pollMs: 5, retentionMs: 3_600_000 }
  const first = new OutboxRelay(db, slow('first'), opts)
  const second = new OutboxRelay(db, slow('second'), opts)
  first.start()
  second.start()
  try {
    await eventually(async () => (await outboxDepth(db)) === 0, 30_000, 'the outbox to drain')
    const records = await readTopic(kafka, topic, (r) => r.length >= events.length)
    expect(overlaps).toBe(0)
    expect(publishers.size).toBe(1)
    expect(records.length).toBe(events.length)
    expect(idsByKey(records)).toEqual(expectedByKey(events))
  } finally {
    await Promise.all([first.stop(), second.stop()])
    await kafka.close()
  }
})

test('the embedded log serves the relay the same way', async () => {
  const local = await tempDatabase()
  const bus = new EmbeddedBus(local, { pollMs: 10 })
  await bus.ensureTopics(catalogWithDlqs())
  const user = unique('embedded')
  const events = Array.from({ length: 30 }, (_, i) => viewed(user, `p${i}`))
  await local.db.batch(
    outboxInserts(local.db, events) as [ReturnType<typeof outboxInserts>[number]],
  )
  const relay = new OutboxRelay(local.db, bus, { batchSize: 7, pollMs: 10, retentionMs: 3_600_000 })
  relay.start()
  try {
    const records = await readTopic(bus, 'cart-events', (r) => r.length >= 30)
    expect(records.map((r) => r.headers.ce_id)).toEqual(events.map((e) => e.id))
  } finally {
    await relay.stop()
    await bus.close()
    local.close()
  }
})

test('a record the broker refuses for good is set aside and the events after it still flow', async () => {
  const { db } = database
  const bus = kafkaBus()
  await bus.ensureTopics(catalogWithDlqs())
  const user = unique('refused')
  const events = Array.from({ length: 5 }, (_, i) => viewed(user, `p${i}`))
  // Larger than the broker's message.max.bytes (1 MiB): no retry can ever publish it.
  ;(events[2] as { data: Record<string, unknown> }).data = {
    userId: user,
    productId: 'huge',
    metadata: { blob: randomBlob(1_200_000) },
  }
  await db.batch(outboxInserts(db, events) as [ReturnType<typeof outboxInserts>[number]])
  const relay = new OutboxRelay(db, bus, { batchSize: 100, pollMs: 20, retentionMs: 3_600_000 })
  relay.start()
  try {
    await eventually(
      async () => (await outboxDepth(db)) === 0,
      60_000,
      'the outbox to move past the refused event',
    )
    const records = await readTopic(
      bus,
      'cart-events',
      (r) => r.filter((x) => x.key === user).length >= 4,
    )
    const expected = events.filter((_, i) => i !== 2).map((e) => e.id)
    expect(records.filter((r) => r.key === user).map((r) => r.headers.ce_id)).toEqual(expected)
    const rejected = await db.select().from(outboxRejected)
    expect(rejected.map((r) => r.eventId)).toEqual([events[2]?.id as string])
    expect(rejected[0]?.error).toContain('MESSAGE_TOO_LARGE')
  } finally {
    await relay.stop()
    await bus.close()
  }
}, 120_000)

// Random bytes: compression cannot shrink them under the broker's limit.
function randomBlob(chars: number): string {
  const bytes = new Uint8Array(Math.ceil((chars * 3) / 4))
  for (let i = 0; i < bytes.length; i += 65_536)
    crypto.getRandomValues(bytes.subarray(i, i + 65_536))
  return Buffer.from(bytes).toString('base64').slice(0, chars)
}
