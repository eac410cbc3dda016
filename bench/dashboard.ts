// The admin dashboard's numbers (issue 10): how fresh an open dashboard is while 10,000 events/s
// arrive, and how many open dashboards one process feeds — against a baseline in the same run
// whose every stream renders its own update.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { type FanoutFigures, type FanoutOptions, measureFanout } from './dashboard-fanout.ts'
import {
  type FreshnessFigures,
  type FreshnessOptions,
  measureFreshness,
} from './dashboard-freshness.ts'
import { printFanout, printFreshness } from './dashboard-report.ts'
import { benchBroker } from './lib/broker.ts'
import { type ChildServer, startChildServer } from './lib/child.ts'
import { deferCleanup } from './lib/cleanup.ts'
import { isSmoke, numberFlag } from './lib/flags.ts'
import { int } from './lib/report.ts'
import type { BenchFlags } from './run.ts'

export const description =
  'Admin dashboard: freshness of an open Overview under 10,000 events/s, and 15,000 SSE ' +
  'dashboards on one process (latency, memory per client), vs a baseline rendering per stream'

const ROOT = join(import.meta.dir, '..')

interface Options {
  smoke: boolean
  fanout: FanoutOptions
  baselineClients: number
  freshness: FreshnessOptions
  /** `--only=fanout` or `--only=freshness`: one of the two. */
  only: string | undefined
  /** Also measure freshness with analytics in a process of its own. */
  split: 'always' | 'if-behind' | 'never'
}

function readOptions(flags: BenchFlags): Options {
  const smoke = isSmoke(flags)
  const clients = Math.floor(numberFlag(flags, 'clients', smoke ? 200 : 15_000))
  return {
    smoke,
    fanout: {
      clients,
      updates: Math.floor(numberFlag(flags, 'updates', smoke ? 2 : 5)),
      connectTimeoutMs: numberFlag(flags, 'connect-timeout', smoke ? 20 : 90) * 1000,
      updateTimeoutMs: 5000,
    },
    baselineClients: Math.floor(numberFlag(flags, 'baseline-clients', smoke ? 200 : 1000)),
    freshness: {
      eventsPerSecond: numberFlag(flags, 'rate', smoke ? 500 : 10_000),
      batch: Math.floor(numberFlag(flags, 'batch', 50)),
      durationMs: numberFlag(flags, 'duration', smoke ? 4 : 20) * 1000,
      probeEveryMs: numberFlag(flags, 'probe-every', 150),
      probeTimeoutMs: 10_000,
    },
    only: typeof flags.only === 'string' ? flags.only : undefined,
    split: flags.split === true ? 'always' : smoke ? 'never' : 'if-behind',
  }
}

type Mode = 'fanout' | 'shop' | 'shop-split'

function startTarget(
  label: string,
  mode: Mode,
  shared: boolean,
  env: Record<string, string | undefined>,
): Promise<ChildServer> {
  return startChildServer(
    label,
    [
      process.execPath,
      join(ROOT, 'bench/servers/dashboard-shop.ts'),
      mode,
      shared ? 'shared' : 'not-shared',
    ],
    env,
  )
}

/** Analytics alone (`bun services/analytics/main.ts`), on the shop's database; stopped with the run. */
function startAnalytics(env: Record<string, string | undefined>): () => Promise<void> {
  const proc = Bun.spawn([process.execPath, join(ROOT, 'services/analytics/main.ts')], {
    cwd: ROOT,
    env: { ...env, PORT: '0' },
    stdout: 'ignore',
    stderr: 'inherit',
    stdin: 'ignore',
  })
  return deferCleanup(async () => {
    if (proc.exitCode !== null) return
    proc.kill('SIGTERM')
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000)
    await proc.exited
    clearTimeout(timer)
  })
}

async function fanoutOf(
  label: string,
  shared: boolean,
  env: Record<string, string | undefined>,
  opts: FanoutOptions,
): Promise<FanoutFigures> {
  process.stdout.write(`  ${label}: ${int(opts.clients)} clients…`)
  const server = await startTarget(label, 'fanout', shared, env)
  try {
    const figures = await measureFanout(server, opts)
    process.stdout.write(
      ` ${int(figures.started)} streaming after ${(figures.connectMs / 1000).toFixed(1)} s, ` +
        `${figures.updates} updates\n`,
    )
    return figures
  } finally {
    await server.stop()
  }
}

async function freshnessOf(
  mode: 'shop' | 'shop-split',
  env: Record<string, string | undefined>,
  opts: FreshnessOptions,
): Promise<FreshnessFigures> {
  process.stdout.write(`  ${mode}: starting…`)
  const server = await startTarget(mode, mode, true, env)
  const stopAnalytics = mode === 'shop-split' ? startAnalytics(env) : null
  try {
    process.stdout.write(' measuring…')
    const figures = await measureFreshness(server, opts)
    process.stdout.write(' done\n')
    return figures
  } finally {
    await stopAnalytics?.()
    await server.stop()
  }
}

type EnvFor = (name: string) => Record<string, string | undefined>

async function fanoutSection(opts: Options, envFor: EnvFor): Promise<void> {
  console.log(
    '\nFan-out: one shop process, admins’ Overview streams (raw sockets from this process)',
  )
  const shared = await fanoutOf('shared', true, envFor('fanout-shared'), opts.fanout)
  const baseline = await fanoutOf('baseline', false, envFor('fanout-baseline'), {
    ...opts.fanout,
    clients: opts.baselineClients,
  })
  printFanout({ shared, baseline }, opts.smoke)
}

async function freshnessSection(opts: Options, envFor: EnvFor): Promise<void> {
  const f = opts.freshness
  console.log(
    `\nFreshness: the whole shop; ${int(f.eventsPerSecond)} events/s offered to POST ` +
      `/api/events in batches of ${f.batch} for ${f.durationMs / 1000} s (searches and clicks ` +
      `of ${int(10_000)} shoppers); a probe every ${f.probeEveryMs} ms (a view of a product ` +
      'only probes view), timed from sending it to the Overview stream’s message counting it',
  )
  const results: [string, FreshnessFigures][] = []
  results.push(['in-process', await freshnessOf('shop', envFor('shop'), f)])
  const behind = (r: FreshnessFigures) =>
    r.timeouts > 0 ||
    r.lagAfter > f.eventsPerSecond ||
    r.acceptedPerSecond < f.eventsPerSecond * 0.98
  if (
    opts.split === 'always' ||
    (opts.split === 'if-behind' && behind(results[0]?.[1] as FreshnessFigures))
  )
    results.push(['analytics apart', await freshnessOf('shop-split', envFor('split'), f)])
  printFreshness(results, f, opts.smoke)
}

export async function run(flags: BenchFlags): Promise<void> {
  const opts = readOptions(flags)
  const dir = mkdtempSync(join(tmpdir(), 'streamshop-bench-dashboard-'))
  const removeDir = deferCleanup(async () => rmSync(dir, { recursive: true, force: true }))
  console.log(`Machine: ${cpus().length} cores, Bun ${Bun.version}`)
  const { broker, stop: stopBroker } = await benchBroker()
  try {
    console.log(`Broker: ${broker.description}`)
    const envFor = (name: string) => ({
      ...process.env,
      NODE_ENV: 'production',
      SESSION_SECRET: process.env.SESSION_SECRET ?? randomBytes(32).toString('hex'),
      HOST: '127.0.0.1',
      PORT: '0',
      KAFKA_BROKERS: broker.brokers.join(','),
      DATABASE_URL: `file:${join(dir, `${name}.db`)}`,
      STATE_DIR: dir,
      RECOMMENDER_REPLAY_FROM: new Date().toISOString(),
      // The limit guards production from one noisy client; the bench is that client on purpose.
      INGEST_RATE_LIMIT_PER_MIN: '0',
      LOG_LEVEL: 'warn',
    })

    if (opts.only !== 'freshness') await fanoutSection(opts, envFor)
    if (opts.only !== 'fanout') await freshnessSection(opts, envFor)
  } finally {
    await stopBroker()
    await removeDir()
  }
}
