// `bun run replay --service analytics` as an operator runs it: a real analytics process
// (`bun services/analytics/main.ts`) on the run's broker and a database file, rebuilt by the CLI.
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { analyticsProductDays } from '../../../services/analytics/schema.ts'
import { freePort } from '../../../shared/broker/local-kafka.ts'
import { openMigratedDatabase } from '../../../shared/db/client.ts'
import { eventually, kafkaBus, testBrokers, unique } from '../../helpers/broker.ts'
import { Processes } from '../../helpers/process.ts'
import { act } from './events.ts'

const ROOT = join(import.meta.dir, '../../..')
const dir = mkdtempSync(join(tmpdir(), 'streamshop-analytics-replay-'))
const processes = new Processes()
const bus = kafkaBus()

afterAll(async () => {
  await processes.stopAll()
  await bus.close()
  rmSync(dir, { recursive: true, force: true })
})

async function runReplay(args: string[]) {
  const { KAFKA_BROKERS: _ignored, ...inherited } = process.env
  const proc = Bun.spawn(['bun', 'shared/cli/replay.ts', ...args], {
    cwd: ROOT,
    env: {
      ...inherited,
      LOG_LEVEL: 'warn',
      DATABASE_URL: `file:${join(dir, 'cli.db')}`,
      STATE_DIR: join(dir, 'state'),
      KAFKA_BROKERS: testBrokers().join(','),
    },
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

test('rebuilds a running analytics process from a time: what came before it is forgotten', async () => {
  const port = await freePort()
  const dbUrl = `file:${join(dir, 'analytics.db')}`
  const { proc } = processes.spawn(['bun', 'services/analytics/main.ts'], {
    KAFKA_BROKERS: testBrokers().join(','),
    DATABASE_URL: dbUrl,
    SESSION_SECRET: 'analytics-cli-test-secret-0123456789abcdef',
    PORT: String(port),
  })
  const replica = `${hostname()}/${proc.pid}`
  await eventually(
    async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok,
    60_000,
    'the analytics process to be ready',
  )
  await eventually(
    async () => (await bus.listGroups()).some((g) => g.startsWith('analytics-control-')),
    30_000,
    'the replay listener',
  )
  const database = await openMigratedDatabase(dbUrl)
  try {
    const viewsOf = async (productId: string) => {
      const rows = await database.db
        .select()
        .from(analyticsProductDays)
        .where(eq(analyticsProductDays.productId, productId))
      return rows.reduce((n, r) => n + r.views, 0)
    }
    const [before, after] = [unique('before'), unique('after')]
    await bus.publish([act('product.viewed', unique('ann'), before, Date.now())])
    await eventually(async () => (await viewsOf(before)) === 1, 60_000, 'the first view')
    await Bun.sleep(10)
    const from = new Date().toISOString()
    await Bun.sleep(10)
    const shopper = unique('bob')
    await bus.publish([
      act('product.viewed', shopper, after, Date.now()),
      act('product.viewed', shopper, after, Date.now()),
    ])
    await eventually(async () => (await viewsOf(after)) === 2, 60_000, 'the later views')

    const { code, stdout, stderr } = await runReplay([
      '--service',
      'analytics',
      '--from',
      from,
      '--replica',
      replica,
      '--wait',
      '60',
    ])
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' })
    expect(stdout).toContain(`Replaying analytics from ${from} on replica ${replica}`)
    expect(stdout).toMatch(
      new RegExp(
        `${replica}: rebuilt — \\d+ events applied in [\\d.]+ s; \\d+ users, \\d+ products`,
      ),
    )
    expect(stdout).toContain('Done: 1 of 1 replica(s) rebuilt analytics')
    expect(await viewsOf(after)).toBe(2)
    expect(await viewsOf(before)).toBe(0)
  } finally {
    database.close()
  }

  await processes.stopAll()
  await eventually(
    async () => (await bus.groupMembers('analytics-user-events')) === 0,
    30_000,
    'no analytics process to be running',
  )
  const none = await runReplay(['--service', 'analytics', '--from', '0'])
  expect(none.code).toBe(1)
  expect(none.stderr).toContain(
    "no replica of analytics is running (its group 'analytics-user-events'",
  )
  expect(none.stderr).toContain('bun services/analytics/main.ts')
}, 180_000)
