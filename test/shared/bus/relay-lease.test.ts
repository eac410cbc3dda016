// A relay that dies without handing its lease over (a `bun run dev` killed with SIGKILL, a relay
// worker that crashed) must not hold up the next relay for the lease's full minute, while a live
// holder still keeps every other relay out.
import { afterEach, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { outboxDepth } from '../../../shared/bus/outbox.ts'
import { OutboxRelay } from '../../../shared/bus/relay.ts'
import { RelayThread } from '../../../shared/bus/relay-thread.ts'
import { outboxRelay } from '../../../shared/bus/schema.ts'
import {
  eventually,
  kafkaBus,
  readTopic,
  tempDatabase,
  testBrokers,
  testConfig,
  unique,
} from '../../helpers/broker.ts'
import { eventsOn, topicSpec, writeOutbox } from './relay-helpers.ts'

const RELAY_PROCESS = new URL('./fixtures/relay-process.ts', import.meta.url).pathname
const CRASHING_WORKER = new URL('./fixtures/crashing-relay-worker.ts', import.meta.url)
const cleanups: (() => Promise<void> | void)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setUp(prefix: string) {
  const database = await tempDatabase()
  const kafka = kafkaBus()
  const topic = unique(prefix)
  await kafka.ensureTopics([topicSpec(topic, 1)])
  cleanups.push(
    () => database.close(),
    () => kafka.close(),
  )
  const leaseOwner = async () => (await database.db.select().from(outboxRelay))[0]?.owner
  return { database, kafka, topic, leaseOwner }
}

function spawnRelayProcess(databaseUrl: string) {
  const child = Bun.spawn(['bun', RELAY_PROCESS, databaseUrl, testBrokers().join(',')], {
    stdout: 'ignore',
    stderr: 'inherit',
  })
  cleanups.push(async () => {
    child.kill('SIGKILL')
    await child.exited
  })
  return child
}

test('after the relay process is killed with SIGKILL, a new relay publishes within seconds', async () => {
  const { database, kafka, topic, leaseOwner } = await setUp('killed')
  const child = spawnRelayProcess(database.url)
  await eventually(leaseOwner, 30_000, 'the relay process to take the lease')
  child.kill('SIGKILL')
  await child.exited
  const events = eventsOn(topic, 3, ['u1'])
  await writeOutbox(database.db, events)
  const relay = new OutboxRelay(database.db, kafka, {
    batchSize: 100,
    pollMs: 20,
    retentionMs: 3_600_000,
  })
  cleanups.push(() => relay.stop())
  const started = Date.now()
  relay.start()
  await eventually(async () => (await outboxDepth(database.db)) === 0, 20_000, 'a publish')
  // Seconds, not the lease's minute (the bound leaves room for a busy test machine).
  expect(Date.now() - started).toBeLessThan(10_000)
  const records = await readTopic(kafka, topic, (r) => r.length >= events.length)
  expect(records.map((r) => r.headers.ce_id)).toEqual(events.map((e) => e.id))
}, 60_000)

test('a relay process that is alive keeps its lease: another relay on the same host does not publish', async () => {
  const { database, kafka, leaseOwner } = await setUp('alive')
  spawnRelayProcess(database.url)
  const holder = await eventually(leaseOwner, 30_000, 'the relay process to take the lease')
  const relay = new OutboxRelay(database.db, kafka, {
    batchSize: 100,
    pollMs: 20,
    retentionMs: 3_600_000,
  })
  cleanups.push(() => relay.stop())
  for (let i = 0; i < 5; i++) {
    expect(await relay.drainOnce()).toBe(0)
    expect(await leaseOwner()).toBe(holder)
    await Bun.sleep(100)
  }
}, 60_000)

test('when the relay worker crashes, its replacement takes the lease over at once', async () => {
  const { database, kafka, topic, leaseOwner } = await setUp('crashed')
  const config = testConfig({ DATABASE_URL: database.url })
  const thread = new RelayThread(config, testBrokers(), CRASHING_WORKER)
  cleanups.push(() => thread.stop())
  thread.start()
  const first = await eventually(leaseOwner, 30_000, 'the first worker to take the lease')
  const marker = `${database.url.slice('file:'.length)}.crashed`
  await eventually(() => existsSync(marker), 10_000, 'the first worker to start')
  // The crash comes 1.5 s after the start; events written now wait for the replacement.
  await Bun.sleep(1600)
  const events = eventsOn(topic, 3, ['u1'])
  await writeOutbox(database.db, events)
  const written = Date.now()
  await eventually(async () => (await outboxDepth(database.db)) === 0, 25_000, 'a publish')
  // The replacement starts a second after the crash; then seconds, not the lease's minute.
  expect(Date.now() - written).toBeLessThan(10_000)
  expect(await leaseOwner()).not.toBe(first)
  const records = await readTopic(kafka, topic, (r) => r.length >= events.length)
  expect(records.map((r) => r.headers.ce_id)).toEqual(events.map((e) => e.id))
}, 60_000)
