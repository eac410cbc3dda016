// `bun run dev`, `bun run topics tail` and `bun run broker` as a developer runs them: real processes.
import { afterEach, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../shared/broker/local-kafka.ts'
import { eventually, testBrokers, unique } from '../helpers/broker.ts'
import { Processes } from '../helpers/process.ts'

const processes = new Processes()
const dirs: string[] = []

afterEach(async () => {
  await processes.stopAll()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const spawn = (cmd: string[], env: Record<string, string | undefined>) => processes.spawn(cmd, env)

async function startDev(env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'streamshop-dev-'))
  dirs.push(dir)
  const port = await freePort()
  const dev = spawn(['bun', 'web/main.ts'], {
    PORT: String(port),
    DATABASE_URL: `file:${join(dir, 'shop.db')}`,
    STATE_DIR: dir,
    ...env,
  })
  const base = `http://127.0.0.1:${port}`
  await eventually(
    async () => (await fetch(`${base}/readyz`)).status === 200,
    90_000,
    'the shop to be ready',
  )
  return { base, dir, dev }
}

async function postAndTail(base: string, dir: string) {
  const user = unique('dev-user')
  const res = await fetch(`${base}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      events: [
        { type: 'product_view', userId: user, productId: 'p-1' },
        { type: 'search', userId: user, query: 'red shoes' },
      ],
    }),
  })
  expect(res.status).toBe(202)
  // The CLI finds the running shop's broker (or embedded log) through STATE_DIR, not KAFKA_BROKERS.
  const tail = spawn(['bun', 'shared/cli/topics.ts', 'tail', 'user-events', '--last', '100'], {
    STATE_DIR: dir,
  })
  await eventually(
    () => tail.output().split(`key=${user}`).length - 1 >= 2,
    60_000,
    'tail to print both records',
  )
  const out = tail.output()
  expect(out).toContain('ce_type=product.viewed')
  expect(out).toContain('ce_type=product.searched')
  expect(out).toMatch(/ce_id=[0-9a-f-]{36} /)
  expect(out).toContain('ce_specversion=1.0')
  expect(out).toContain('content-type=application/json')
}

test('bun run dev serves the shop on a real broker, and topics tail shows the posted events with headers and key', async () => {
  const { base, dir, dev } = await startDev({ KAFKA_BROKERS: testBrokers().join(',') })
  await eventually(() => dev.output().includes('Broker:'), 10_000, 'the banner')
  expect(dev.output()).toContain(`KAFKA_BROKERS=${testBrokers().join(',')}`)
  expect(dev.output()).toContain('Database:')
  // Every registered consumer has joined its group, or the shop would not be ready.
  const ready = (await (await fetch(`${base}/readyz`)).json()) as { consumers: unknown[] }
  expect(ready.consumers).toContainEqual({
    group: 'carts',
    topic: 'product-events',
    state: 'running',
  })
  await postAndTail(base, dir)
}, 180_000)

test('bun run dev falls back to the embedded log, says so, and the CLI reads it', async () => {
  const { base, dir, dev } = await startDev({ BUS: 'embedded' })
  await eventually(() => dev.output().includes('embedded'), 10_000, 'the banner')
  expect(dev.output()).toContain('no Kafka broker')
  await postAndTail(base, dir)
}, 180_000)

test('bun run broker prints KAFKA_BROKERS once the broker answers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamshop-broker-'))
  dirs.push(dir)
  const broker = spawn(['bun', 'shared/cli/broker.ts'], {
    KAFKA_BROKERS: testBrokers().join(','),
    STATE_DIR: dir,
  })
  await eventually(
    () => broker.output().includes('KAFKA_BROKERS='),
    30_000,
    'the KAFKA_BROKERS line',
  )
  expect(broker.output().trim()).toBe(`KAFKA_BROKERS=${testBrokers().join(',')}`)
}, 60_000)

test('bun services/carts/main.ts runs the carts consumers alone and is ready once they have joined', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamshop-carts-'))
  dirs.push(dir)
  const port = await freePort()
  spawn(['bun', 'services/carts/main.ts'], {
    PORT: String(port),
    DATABASE_URL: `file:${join(dir, 'carts.db')}`,
    KAFKA_BROKERS: testBrokers().join(','),
  })
  const ready = await eventually(
    async () => {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`)
      return res.status === 200 && ((await res.json()) as { consumers: unknown[] })
    },
    90_000,
    'the carts service to be ready',
  )
  expect(ready.consumers).toEqual([{ group: 'carts', topic: 'product-events', state: 'running' }])
}, 120_000)
