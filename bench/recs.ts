// The recommender's numbers (issue 8): serving latency at a constant rate, freshness of the live
// stream under background traffic, the models' memory, and offline quality on planted clusters —
// each against a naive recommender that keeps the raw events and recomputes from all of them per
// answer, measured in the same run.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchBroker } from './lib/broker.ts'
import { type ChildServer, startChildServer } from './lib/child.ts'
import { deferCleanup } from './lib/cleanup.ts'
import { isSmoke, numberFlag } from './lib/flags.ts'
import { int } from './lib/report.ts'
import { type FreshnessFigures, type FreshnessOptions, measureFreshness } from './recs-freshness.ts'
import { EVENTS_PER_USER, HISTORY_USERS, shopperId } from './recs-history.ts'
import { measureMemory } from './recs-memory.ts'
import { measureQuality, type PlantedData } from './recs-quality.ts'
import {
  BACKGROUND_PER_S,
  printFreshness,
  printMemory,
  printQuality,
  printServing,
  SERVING_RATE,
} from './recs-report.ts'
import {
  measureServing,
  primeShoppers,
  type ServingFigures,
  type ServingOptions,
} from './recs-serving.ts'
import type { BenchFlags } from './run.ts'

export const description =
  'Recommender: serving p99 at a constant rate, stream freshness under load, model memory and ' +
  'NDCG@10 on planted clusters, vs a naive recommender recomputing from all events per request'

const ROOT = join(import.meta.dir, '..')

interface Options {
  smoke: boolean
  /** At most this long asking once for every shopper before the serving load. */
  primeMs: number
  serving: ServingOptions
  freshness: FreshnessOptions
  planted: PlantedData
  seeds: number[]
}

function readOptions(flags: BenchFlags): Options {
  const smoke = isSmoke(flags)
  // `--strategy=item-item` asks for one strategy; by default the shop chooses, as for a shopper.
  const strategy = typeof flags.strategy === 'string' ? flags.strategy : undefined
  return {
    smoke,
    primeMs: numberFlag(flags, 'prime', smoke ? 2 : 120) * 1000,
    serving: {
      rate: numberFlag(flags, 'rate', SERVING_RATE),
      strategy,
      connections: Math.floor(numberFlag(flags, 'connections', 32)),
      warmupMs: numberFlag(flags, 'warmup', smoke ? 1 : 3) * 1000,
      durationMs: numberFlag(flags, 'duration', smoke ? 2 : 10) * 1000,
    },
    freshness: {
      probeUsers: Math.floor(numberFlag(flags, 'probes', smoke ? 10 : 40)),
      probesPerSecond: numberFlag(flags, 'probe-rate', smoke ? 10 : 20),
      backgroundPerSecond: numberFlag(flags, 'background', BACKGROUND_PER_S),
      warmupMs: numberFlag(flags, 'warmup', smoke ? 1 : 3) * 1000,
      durationMs: numberFlag(flags, 'freshness-duration', smoke ? 3 : 20) * 1000,
      strategy,
    },
    planted: smoke
      ? { users: 300, items: 200, clusters: 8, perUser: 40 }
      : { users: 1000, items: 500, clusters: 10, perUser: 40 },
    seeds: smoke ? [1] : [1, 2, 3],
  }
}

type Target = 'streamshop' | 'naive'

interface Measured {
  serving: ServingFigures
  freshness: FreshnessFigures
}

/** A target's process, on the run's broker and a fresh database file of its own. */
function startTarget(target: Target, dir: string, brokers: string): Promise<ChildServer> {
  const script = target === 'streamshop' ? 'recs-shop.ts' : 'recs-naive.ts'
  return startChildServer(target, [process.execPath, join(ROOT, 'bench/servers', script)], {
    ...process.env,
    NODE_ENV: 'production',
    // Production refuses to start without one; nothing the bench does is signed.
    SESSION_SECRET: process.env.SESSION_SECRET ?? randomBytes(32).toString('hex'),
    HOST: '127.0.0.1',
    PORT: '0',
    KAFKA_BROKERS: brokers,
    DATABASE_URL: `file:${join(dir, `${target}.db`)}`,
    STATE_DIR: dir,
    // The broker holds earlier runs' events: the models start from the bench's own history.
    RECOMMENDER_REPLAY_FROM: new Date().toISOString(),
    // The limit guards production from one noisy client; the bench is that client on purpose.
    INGEST_RATE_LIMIT_PER_MIN: '0',
    LOG_LEVEL: 'warn',
  })
}

/**
 * A sample of known shoppers' answers: each must be whole and personal, so a broken setup shows
 * before its numbers do. Prints the strategies that answered (the shop's running A/B experiment
 * chooses per shopper when the request names none).
 */
async function checkAnswers(
  server: ChildServer,
  strategy: string | undefined,
  sampled: number,
): Promise<void> {
  const used = new Map<string, number>()
  let example = ''
  for (let n = 0; n < sampled; n++) {
    const query = `limit=10${strategy ? `&strategy=${strategy}` : ''}`
    const res = await fetch(`${server.url}/api/recommendations/${shopperId(n)}?${query}`)
    const body = (await res.json()) as {
      data?: { name: string; reason: string }[]
      metadata?: { strategy: string; coldStart?: boolean }
    }
    const items = body.data ?? []
    if (res.status !== 200 || items.length !== 10 || body.metadata?.coldStart)
      throw new Error(`${server.label}: a known shopper's answer is wrong: ${JSON.stringify(body)}`)
    const name = body.metadata?.strategy ?? '?'
    used.set(name, (used.get(name) ?? 0) + 1)
    example ||= `“${items[0]?.name}”, ${items[0]?.reason}`
  }
  const shares = [...used].map(([name, n]) => `${name} ${Math.round((100 * n) / sampled)}%`)
  console.log(
    `  ${server.label}: ${sampled} shoppers sampled, 10 items each, strategies ${shares.join(', ')}; ` +
      `${shopperId(0)} first gets ${example}`,
  )
}

async function measureTarget(
  target: Target,
  dir: string,
  brokers: string,
  opts: Options,
): Promise<Measured> {
  process.stdout.write(`  ${target}: starting (seeded catalog, ${int(HISTORY_USERS)} shoppers)…`)
  const server = await startTarget(target, dir, brokers)
  try {
    const setup = (await (await fetch(`${server.url}/bench/setup`)).json()) as {
      events: number
      preloadMs: number
    }
    process.stdout.write(
      ` ${int(setup.events)} events applied in ${(setup.preloadMs / 1000).toFixed(1)} s\n`,
    )
    // The naive baseline takes a tenth of a second an answer: a few show its setup is right.
    await checkAnswers(server, opts.serving.strategy, target === 'streamshop' ? 200 : 5)
    if (target === 'streamshop') {
      // The naive baseline keeps nothing per shopper (and would take minutes to answer them all).
      const primed = await primeShoppers(server, opts.serving.strategy, opts.primeMs)
      console.log(
        `  ${target}: primed ${int(primed.shoppers)} of ${int(HISTORY_USERS)} shoppers in ` +
          `${(primed.ms / 1000).toFixed(1)} s (one request each, so that A/B exposures are recorded ` +
          'before the measurement)',
      )
    }
    process.stdout.write(`  ${target}: serving…`)
    const serving = await measureServing(server, opts.serving)
    process.stdout.write(' freshness…')
    const freshness = await measureFreshness(server, opts.freshness)
    process.stdout.write(' done\n')
    return { serving, freshness }
  } finally {
    await server.stop()
  }
}

export async function run(flags: BenchFlags): Promise<void> {
  const opts = readOptions(flags)
  const { serving: s, freshness: f } = opts
  console.log(
    `Machine: ${cpus().length} cores, Bun ${Bun.version}\n` +
      `History: ${int(HISTORY_USERS)} bench shoppers × ${EVENTS_PER_USER} events (views, cart adds, ` +
      'purchases; planted favourite categories) over the seeded catalog, applied straight into ' +
      'each target’s models before it listens (the catalog itself arrives through Kafka)\n' +
      '  streamshop: the whole shop of `bun run dev` in a process of its own (its consumers from ' +
      'the end of their topics); the strategy is the shop’s choice per shopper (the running A/B ' +
      'experiment, else RECOMMENDER_DEFAULT_STRATEGY) unless --strategy names one\n' +
      '  naive:      the shop’s ingest and a Kafka follower of its own; keeps every event and, per ' +
      'answer, recomputes item-item co-occurrence from all of them (same routes, same JSON)',
  )

  console.log(
    `\nQuality: \`bun run eval\`'s protocol on planted clusters (test/helpers/movielens.ts: ` +
      `${int(opts.planted.users)} users, ${opts.planted.items} items, ${opts.planted.clusters} ` +
      `clusters, ${opts.planted.perUser} ratings each), seeds ${opts.seeds.join(', ')}`,
  )
  printQuality(measureQuality(opts.planted, opts.seeds), opts.smoke)

  console.log(
    '\nMemory: each target’s models for the seeded catalog and the history, in a fresh process; ' +
      'heap after a full GC, after minus before (RSS the same way, noisier)',
  )
  printMemory(
    { ours: await measureMemory('streamshop'), naive: await measureMemory('naive') },
    HISTORY_USERS,
  )

  const dir = mkdtempSync(join(tmpdir(), 'streamshop-bench-recs-'))
  const removeDir = deferCleanup(async () => rmSync(dir, { recursive: true, force: true }))
  console.log()
  const { broker, stop: stopBroker } = await benchBroker()
  try {
    console.log(`Broker: ${broker.description}`)
    const brokers = broker.brokers.join(',')
    // One target at a time: on a small machine they would share the cores.
    const ours = await measureTarget('streamshop', dir, brokers, opts)
    const naive = await measureTarget('naive', dir, brokers, opts)

    console.log(
      `\nServing: GET /api/recommendations/:userId?limit=10 for random bench shoppers, ` +
        `${int(s.rate)} req/s offered at a constant rate for ${s.durationMs / 1000} s ` +
        `(after ${s.warmupMs / 1000} s warm-up) over ${s.connections} keep-alive connections ` +
        '(raw sockets from this process; a turn finding every connection busy is dropped); ' +
        'latency from writing the request to its last byte',
    )
    printServing({ ours: ours.serving, naive: naive.serving }, s.rate, opts.smoke)

    console.log(
      `\nFreshness: POST /api/events (a product.viewed) → ingest, outbox, relay, Kafka, follower, ` +
        `models → the shopper's /api/recommendations/:userId/stream; ${f.probeUsers} probe ` +
        `shoppers with open streams, ${f.probesPerSecond} probes/s for ${f.durationMs / 1000} s ` +
        `(after ${f.warmupMs / 1000} s warm-up), each viewing the first item of its current ` +
        'answer; latency from sending the POST (its 202 included) to the first message without ' +
        `that item; meanwhile ${int(f.backgroundPerSecond)} events/s from other shoppers, in ` +
        'batches of 10',
    )
    printFreshness({ ours: ours.freshness, naive: naive.freshness }, opts.smoke)
  } finally {
    await stopBroker()
    await removeDir()
  }
}
