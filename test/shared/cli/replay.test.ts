// `bun run replay` as an operator runs it: a real process against a real recommender process on the
// run's broker, and the usage errors before any broker is contacted.
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../../shared/broker/local-kafka.ts'
import { createEvent, toRecord } from '../../../shared/events/envelope.ts'
import { eventually, kafkaBus, testBrokers, unique } from '../../helpers/broker.ts'
import { Processes } from '../../helpers/process.ts'

const ROOT = join(import.meta.dir, '../../..')
const dir = mkdtempSync(join(tmpdir(), 'streamshop-replay-cli-'))
const processes = new Processes()
const bus = kafkaBus()

afterAll(async () => {
  await processes.stopAll()
  await bus.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The CLI's own database and state folder: it must not find a developer's running shop. */
const cliEnv = (brokers: boolean) => ({
  DATABASE_URL: `file:${join(dir, 'cli.db')}`,
  STATE_DIR: join(dir, 'state'),
  ...(brokers ? { KAFKA_BROKERS: testBrokers().join(',') } : {}),
})

async function runReplay(args: string[], env: Record<string, string>) {
  const { KAFKA_BROKERS: _ignored, ...inherited } = process.env
  const proc = Bun.spawn(['bun', 'shared/cli/replay.ts', ...args], {
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

test('a bad --from or an unknown --service is a usage error naming the flag, before any broker', async () => {
  const cases = [
    [['--service', 'billing', '--from', '0'], '--service', 'recommender'],
    [['--from', '0'], '--service', 'recommender'],
    [['--service', 'recommender', '--from', 'yesterday'], '--from', 'ISO 8601'],
    [['--service', 'recommender', '--from=-5'], '--from', 'offset'],
    [['--service', 'recommender', '--from', '2025-05-01T08:00:00'], '--from', 'zone'],
    [['--service', 'recommender', '--from', '2999-01-01T00:00:00Z'], '--from', 'future'],
    [['--service', 'recommender'], '--from', 'required'],
    [['--service', 'recommender', '--from', '0', '--wait', 'soon'], '--wait', 'seconds'],
  ] as const
  const runs = await Promise.all(cases.map(([args]) => runReplay([...args], cliEnv(false))))
  for (const [i, [args, flag, says]] of cases.entries()) {
    const { code, stderr } = runs[i] as Awaited<ReturnType<typeof runReplay>>
    expect({ args, code }).toEqual({ args, code: 2 })
    expect(stderr).toContain(flag)
    expect(stderr).toContain(says)
    expect(stderr).toContain('Usage: bun run replay')
  }
})

interface Live {
  caughtUp: boolean
  users: number
  consumers: { replica: string }
}

async function live(base: string): Promise<Live> {
  const res = await fetch(`${base}/api/recommendations/metrics/live`, {
    signal: AbortSignal.timeout(5000),
  })
  return ((await res.json()) as { data: Live }).data
}

test('rebuilds a running recommender and prints its answer; with none running, says so and exits 1', async () => {
  const startedAt = new Date().toISOString()
  const port = await freePort()
  processes.spawn(['bun', 'services/recommender/main.ts'], {
    KAFKA_BROKERS: testBrokers().join(','),
    DATABASE_URL: `file:${join(dir, 'recommender.db')}`,
    RECOMMENDER_REPLAY_FROM: startedAt,
    PORT: String(port),
  })
  const base = `http://127.0.0.1:${port}`
  const { replica } = (
    await eventually(async () => {
      const l = await live(base)
      return l.caughtUp ? l : undefined
    }, 60_000)
  ).consumers
  const shopper = unique('shopper')
  await bus.publish([
    toRecord(
      createEvent(
        'product.viewed',
        { userId: shopper, productId: unique('p'), metadata: {} },
        { source: '/test' },
      ),
    ),
  ])
  await eventually(async () => (await live(base)).users > 0, 30_000, 'the recommender to learn')

  // Only this replica: other runs' recommenders may share the broker.
  const { code, stdout, stderr } = await runReplay(
    ['--service', 'recommender', '--from', startedAt, '--replica', replica, '--wait', '60'],
    cliEnv(true),
  )
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' })
  expect(stdout).toContain(`Replaying recommender from ${startedAt} on replica ${replica}`)
  expect(stdout).toMatch(
    new RegExp(`${replica}: rebuilt — \\d+ events applied in [\\d.]+ s; \\d+ users, \\d+ products`),
  )
  expect(stdout).toContain('Done: 1 of 1 replica(s) rebuilt recommender')
  expect((await live(base)).users).toBeGreaterThan(0)

  await processes.stopAll()
  await eventually(
    async () => (await bus.groupMembers('recommender')) === 0,
    20_000,
    'no recommender to be running',
  )
  const none = await runReplay(['--service', 'recommender', '--from', '0'], cliEnv(true))
  expect(none.code).toBe(1)
  expect(none.stderr).toContain("no replica of recommender is running (its group 'recommender'")
  expect(none.stderr).toContain('RECOMMENDER_REPLAY_FROM=<ISO time>')
  expect(none.stdout).not.toContain('Replaying')
}, 120_000)
