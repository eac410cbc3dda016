// The broker writes or refuses each partition's batch on its own, so a produce request with one
// record it refuses still writes the other partitions: only the records it did not write may be
// sent again, or the topic holds the rest twice.
import { afterEach, expect, test } from 'bun:test'
import { javaPartition } from '../../../shared/bus/kafka-produce.ts'
import { outboxDepth } from '../../../shared/bus/outbox.ts'
import { OutboxRelay } from '../../../shared/bus/relay.ts'
import { outboxRejected } from '../../../shared/bus/schema.ts'
import type { BusRecord } from '../../../shared/bus/types.ts'
import { RecordRejectedError } from '../../../shared/errors.ts'
import { toRecord } from '../../../shared/events/envelope.ts'
import { eventually, kafkaBus, readTopic, tempDatabase, unique } from '../../helpers/broker.ts'
import { eventsOn, expectedByKey, idsByKey, topicSpec, writeOutbox } from './relay-helpers.ts'

const cleanups: (() => Promise<void> | void)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

// Random characters: compression cannot shrink them under the broker's 1 MiB message.max.bytes.
function randomBlob(chars: number): string {
  const bytes = new Uint8Array(Math.ceil((chars * 3) / 4))
  for (let i = 0; i < bytes.length; i += 65_536)
    crypto.getRandomValues(bytes.subarray(i, i + 65_536))
  return Buffer.from(bytes).toString('base64').slice(0, chars)
}

const keys = Array.from({ length: 24 }, (_, i) => `user-${i}`)

function withHugeEvent(topic: string) {
  const events = eventsOn(topic, 48, keys)
  const huge = events[13] as (typeof events)[number]
  huge.data = { ...(huge.data as object), metadata: { blob: randomBlob(1_200_000) } }
  return { events, huge, small: events.filter((e) => e !== huge) }
}

test('a refused record among others on several partitions: each other record lands once, it is set aside', async () => {
  const database = await tempDatabase()
  const kafka = kafkaBus()
  cleanups.push(
    () => database.close(),
    () => kafka.close(),
  )
  const topic = unique('refused')
  await kafka.ensureTopics([topicSpec(topic, 6)])
  const { events, huge, small } = withHugeEvent(topic)
  await writeOutbox(database.db, events)
  // Everything in one produce request: it is the broker, not the relay's byte budget, that refuses.
  const relay = new OutboxRelay(database.db, kafka, {
    batchSize: 100,
    pollMs: 20,
    retentionMs: 3_600_000,
    maxBatchBytes: 10_000_000,
  })
  cleanups.push(() => relay.stop())
  relay.start()
  await eventually(
    async () => (await outboxDepth(database.db)) === 0,
    30_000,
    'the outbox to drain',
  )
  const records = await readTopic(kafka, topic, (r) => r.length >= small.length)
  expect(records.length).toBe(small.length)
  expect(idsByKey(records)).toEqual(expectedByKey(small))
  const rejected = await database.db.select().from(outboxRejected)
  expect(rejected.map((r) => r.eventId)).toEqual([huge.id])
  expect(rejected[0]?.error).toContain('MESSAGE_TOO_LARGE')
}, 60_000)

test('KafkaBus.publish names exactly the records of the refused partition as not written, and only those are missing', async () => {
  const kafka = kafkaBus()
  cleanups.push(() => kafka.close())
  const topic = unique('refused-bus')
  await kafka.ensureTopics([topicSpec(topic, 6)])
  const { events, huge } = withHugeEvent(topic)
  const records: BusRecord[] = events.map(toRecord)
  const error = await kafka.publish(records).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(RecordRejectedError)
  const unwritten = (error as RecordRejectedError).unwritten ?? []
  expect(unwritten).toContain(events.indexOf(huge))
  const read = await readTopic(kafka, topic, (r) => r.length >= records.length - unwritten.length)
  expect(read.length).toBe(records.length - unwritten.length)
  const writtenIds = new Set(read.map((r) => r.headers.ce_id))
  events.forEach((e, i) => {
    expect(writtenIds.has(e.id)).toBe(!unwritten.includes(i))
  })
  // Partitions are written or refused whole: the records not written are those of the huge one's
  // partition (and of any other partition the broker failed in the same answer), never a part of one.
  const partitionOf = (i: number) => javaPartition(events[i]?.key as string, 6)
  const refused = new Set(unwritten.map(partitionOf))
  expect(refused.has(javaPartition(huge.key, 6))).toBe(true)
  expect(unwritten).toEqual(events.flatMap((_, i) => (refused.has(partitionOf(i)) ? [i] : [])))
  for (const r of read) expect(r.partition).toBe(javaPartition(r.key ?? '', 6))
}, 60_000)
