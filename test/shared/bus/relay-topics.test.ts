// The relay publishes each topic on its own: a topic the broker will not take waits, in order,
// while the others flow; the outbox's depth and age stay measured while nothing can go out; and a
// row that carries its own headers goes out exactly as it was written.
import { afterEach, expect, test } from 'bun:test'
import { outboxDepth } from '../../../shared/bus/outbox.ts'
import { OutboxRelay } from '../../../shared/bus/relay.ts'
import { outbox } from '../../../shared/bus/schema.ts'
import { busMetrics } from '../../../shared/observability/metrics.ts'
import { eventually, kafkaBus, readTopic, tempDatabase, unique } from '../../helpers/broker.ts'
import { eventsOn, expectedByKey, idsByKey, topicSpec, writeOutbox } from './relay-helpers.ts'

const cleanups: (() => Promise<void> | void)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setUp(brokers?: string[]) {
  const database = await tempDatabase()
  const kafka = brokers ? kafkaBus(brokers, { requestTimeoutMs: 1000 }) : kafkaBus()
  cleanups.push(
    () => database.close(),
    () => kafka.close(),
  )
  const relay = new OutboxRelay(database.db, kafka, {
    batchSize: 10,
    pollMs: 20,
    retentionMs: 3_600_000,
    maxBackoffMs: 500,
  })
  cleanups.push(() => relay.stop())
  return { db: database.db, kafka, relay }
}

test('a topic the broker does not have holds up only itself, and flows in order once it exists', async () => {
  const { db, kafka, relay } = await setUp()
  const flowing = unique('flowing')
  const missing = unique('missing')
  await kafka.ensureTopics([topicSpec(flowing, 3)])
  const keys = ['u1', 'u2', 'u3', 'u4']
  const onFlowing = eventsOn(flowing, 40, keys)
  const onMissing = eventsOn(missing, 40, keys)
  // Interleaved, so every batch the relay reads holds rows of both topics.
  await writeOutbox(
    db,
    onFlowing.flatMap((e, i) => [e, onMissing[i] as (typeof onMissing)[number]]),
  )
  relay.start()

  const flowed = await readTopic(kafka, flowing, (r) => r.length >= onFlowing.length, 20_000)
  expect(flowed.length).toBe(onFlowing.length)
  expect(idsByKey(flowed)).toEqual(expectedByKey(onFlowing))
  expect(await outboxDepth(db)).toBe(onMissing.length)

  await kafka.ensureTopics([topicSpec(missing, 3)])
  const late = await readTopic(kafka, missing, (r) => r.length >= onMissing.length, 20_000)
  expect(late.length).toBe(onMissing.length)
  expect(idsByKey(late)).toEqual(expectedByKey(onMissing))
  await eventually(async () => (await outboxDepth(db)) === 0, 10_000, 'the outbox to drain')
}, 60_000)

test('outbox depth and age keep being measured while the broker is down', async () => {
  // Nothing listens on port 1: every publish fails at once, as with a broker that is down.
  const { db, relay } = await setUp(['127.0.0.1:1'])
  await writeOutbox(db, eventsOn(unique('down'), 3, ['u1']))
  busMetrics.outboxDepth.set(-1)
  busMetrics.outboxOldestSeconds.set(-1)
  const gauge = async (metric: typeof busMetrics.outboxDepth) =>
    (await metric.get()).values[0]?.value ?? -1
  relay.start()
  await eventually(async () => (await gauge(busMetrics.outboxDepth)) === 3, 10_000, 'the depth')
  const age = await gauge(busMetrics.outboxOldestSeconds)
  expect(age).toBeGreaterThanOrEqual(0)
  await eventually(
    async () => (await gauge(busMetrics.outboxOldestSeconds)) >= age + 1,
    10_000,
    'the age to grow',
  )
  expect(await gauge(busMetrics.outboxDepth)).toBe(3)
}, 30_000)

test('a row with its own headers is published as written: its data and exactly those headers', async () => {
  const { db, kafka, relay } = await setUp()
  const topic = unique('headers')
  await kafka.ensureTopics([topicSpec(topic, 1)])
  const headers = {
    ce_id: 'original-id',
    ce_type: 'cart.item_added',
    ce_source: '/carts',
    ce_specversion: '1.0',
    ce_time: '2026-01-01T00:00:00.000Z',
    'content-type': 'application/json',
    dlq_error: 'handler failed',
  }
  const data = '{"userId":"u1","productId":"p1","metadata":{}}'
  await db.insert(outbox).values({
    eventId: Bun.randomUUIDv7(),
    topic,
    key: 'u1',
    type: 'dead_letter',
    source: '/dlq',
    time: new Date().toISOString(),
    data,
    createdAt: Date.now(),
    headers,
  })
  const [plain] = eventsOn(topic, 1, ['u2'])
  await writeOutbox(db, [plain as NonNullable<typeof plain>])
  relay.start()
  const records = await readTopic(kafka, topic, (r) => r.length >= 2)
  expect(records[0]?.headers).toEqual(headers)
  expect(records[0]?.value).toBe(data)
  expect(records[0]?.key).toBe('u1')
  // Rows without headers still get theirs from their columns.
  expect(records[1]?.headers.ce_id).toBe(plain?.id as string)
  expect(records[1]?.headers.ce_type).toBe('cart.item_added')
})
