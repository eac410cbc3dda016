// `bun run dlq list|replay` as an operator runs them: a real process against each bus.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeBrokerState } from '../../shared/broker/state.ts'
import { EmbeddedBus } from '../../shared/bus/embedded.ts'
import type { BusRecord, EventBus } from '../../shared/bus/types.ts'
import { catalogWithDlqs } from '../../shared/events/topics.ts'
import { kafkaBus, readTopic, tempDatabase, testBrokers, unique } from '../helpers/broker.ts'

const ROOT = join(import.meta.dir, '../..')
const cleanups: (() => Promise<void> | void)[] = []

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

async function dlq(args: string[], env: Record<string, string>) {
  const { KAFKA_BROKERS: _ignored, ...inherited } = process.env
  const proc = Bun.spawn(['bun', 'run', 'dlq', ...args], {
    cwd: ROOT,
    env: { ...inherited, LOG_LEVEL: 'warn', ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  return { stdout, stderr, code }
}

/** A dead letter as the consumer runner writes it, with a unique event id. */
function deadLetter(id: string): BusRecord {
  return {
    topic: 'cart-events.dlq',
    key: `shopper-${id}`,
    value: JSON.stringify({ userId: `shopper-${id}`, productId: 'p1', metadata: {} }),
    headers: {
      ce_id: id,
      ce_type: 'cart.item_added',
      ce_source: '/test',
      ce_specversion: '1.0',
      ce_time: new Date().toISOString(),
      'content-type': 'application/json',
      dlq_reason: 'failed',
      dlq_error: `stock service refused ${id}`,
      dlq_source_topic: 'cart-events',
      dlq_source_partition: '2',
      dlq_source_offset: '41',
      dlq_group: 'carts',
      dlq_attempts: '7',
      dlq_failed_at: new Date().toISOString(),
    },
  }
}

async function setUp(
  kind: 'kafka' | 'embedded',
): Promise<{ bus: EventBus; env: Record<string, string> }> {
  if (kind === 'kafka') {
    const bus = kafkaBus()
    cleanups.push(() => bus.close())
    await bus.ensureTopics(catalogWithDlqs())
    return { bus, env: { KAFKA_BROKERS: testBrokers().join(',') } }
  }
  const database = await tempDatabase()
  const bus = new EmbeddedBus(database, { pollMs: 20 })
  await bus.ensureTopics(catalogWithDlqs())
  const stateDir = mkdtempSync(join(tmpdir(), 'streamshop-dlq-'))
  writeBrokerState(stateDir, {
    kind: 'embedded',
    brokers: [],
    databaseUrl: database.url,
    pid: process.pid,
  })
  cleanups.push(async () => {
    await bus.close()
    database.close()
    rmSync(stateDir, { recursive: true, force: true })
  })
  return { bus, env: { STATE_DIR: stateDir } }
}

for (const kind of ['kafka', 'embedded'] as const) {
  describe(`bun run dlq (${kind})`, () => {
    test('lists dead letters with their errors and replays one by offset to its source topic', async () => {
      const { bus, env } = await setUp(kind)
      const [first, second] = [unique('dead'), unique('dead')]
      await bus.publish([deadLetter(first), deadLetter(second)])

      const listed = await dlq(['list', 'cart-events'], env)
      expect(listed.code).toBe(0)
      expect(listed.stdout).toContain(`id=${first}`)
      expect(listed.stdout).toContain(`error: stock service refused ${second}`)
      expect(listed.stdout).toContain('from cart-events[2]@41 group=carts reason=failed attempts=7')
      const offset = listed.stdout.match(new RegExp(`^@(\\d+) .* id=${second} `, 'm'))?.[1]
      expect(offset).toBeDefined()

      const replayed = await dlq(['replay', 'cart-events.dlq', '--offset', String(offset)], env)
      expect(replayed.code).toBe(0)
      expect(replayed.stdout).toContain(
        `Replayed 1 record from cart-events.dlq to cart-events: @${offset}`,
      )
      const records = await readTopic(bus, 'cart-events', (r) =>
        r.some((x) => x.headers.ce_id === second),
      )
      const back = records.filter((r) => r.headers.ce_id === second || r.headers.ce_id === first)
      expect(back).toHaveLength(1)
      expect(back[0]?.key).toBe(`shopper-${second}`)
      expect(back[0]?.headers.ce_type).toBe('cart.item_added')
      expect(back[0]?.headers.replayed_from).toBe(`cart-events.dlq@${offset}`)
      expect(Object.keys(back[0]?.headers ?? {}).filter((k) => k.startsWith('dlq_'))).toEqual([])
    })

    test('refuses what it cannot do with a clear message', async () => {
      const { env } = await setUp(kind)
      const notConsumed = await dlq(['list', 'no-such-topic'], env)
      expect(notConsumed.code).toBe(2)
      expect(notConsumed.stderr).toContain('no-such-topic.dlq is not in the topic catalog')
      const badOffset = await dlq(['replay', 'cart-events', '--offset', 'soon'], env)
      expect(badOffset.code).toBe(2)
      expect(badOffset.stderr).toContain(
        "--offset needs a record offset (a whole number), got 'soon'",
      )
      const missing = await dlq(['replay', 'cart-events', '--offset', '999999999'], env)
      expect(missing.code).toBe(1)
      expect(missing.stderr).toContain('cart-events.dlq has no record at offset 999999999')
      const usage = await dlq(['purge', 'cart-events'], env)
      expect(usage.code).toBe(2)
      expect(usage.stderr).toContain('Usage: bun run dlq')
    })
  })
}
