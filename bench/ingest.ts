// Ingest throughput: Streamshop's POST /api/events against the seed's Express + kafkajs shape,
// both loaded by the same client, in the same run, on the same broker.
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Client, createClient } from '@libsql/client'
import { resolveBroker } from '../shared/broker/resolve.ts'
import { KafkaBus } from '../shared/bus/kafka.ts'
import { config } from '../shared/config/index.ts'
import { TOPICS } from '../shared/events/topics.ts'
import { type ChildServer, startChildServer } from './lib/child.ts'
import { deferCleanup } from './lib/cleanup.ts'
import { numberFlag } from './lib/flags.ts'
import { type LoadResult, runLoad } from './lib/load.ts'
import { int, printTable, summarise } from './lib/report.ts'
import type { BenchFlags } from './run.ts'

export const description =
  'POST /api/events in batches of 100: Streamshop vs an Express + kafkajs baseline'

const TARGET_EVENTS_PER_S = 50_000
const TARGET_RATIO = 5
const TOPIC = 'user-events'
const DRAIN_TIMEOUT_MS = 300_000
const ROOT = join(import.meta.dir, '..')

interface Options {
  batch: number
  concurrency: number
  warmupMs: number
  durationMs: number
  rounds: number
}

function readOptions(flags: BenchFlags): Options {
  return {
    batch: Math.min(1000, numberFlag(flags, 'batch', 100)),
    concurrency: numberFlag(flags, 'concurrency', 16),
    warmupMs: numberFlag(flags, 'warmup', 2) * 1000,
    durationMs: numberFlag(flags, 'duration', 10) * 1000,
    rounds: numberFlag(flags, 'rounds', 1),
  }
}

/** Bodies both targets accept: `{ events }` with ids, users and products never repeated in a run. */
function batchBodies(batch: number): () => { body: string; events: number } {
  const run = Date.now().toString(36)
  let seq = 0
  return () => {
    const events = Array.from({ length: batch }, () => {
      const n = seq++
      // Ten events per user keeps keys spread over every partition without one key per record.
      return {
        id: `bench-${run}-${n}`,
        type: 'product.viewed',
        userId: `u-${run}-${Math.floor(n / 10)}`,
        productId: `p-${n % 500}`,
      }
    })
    return { body: JSON.stringify({ events }), events: batch }
  }
}

interface Target {
  name: string
  server: ChildServer
  expectStatus: number
  /** Streamshop only: the outbox the relay drains into Kafka after the 202. */
  outbox?: Client
}

interface Measured {
  load: LoadResult[]
  kafkaRecords: bigint
  drainMs: number[]
  undrained: number
}

async function outboxDepth(outbox: Client): Promise<number> {
  const rs = await outbox.execute(
    "select count(*) as n from outbox where seq > coalesce((select published_seq from outbox_relay where name = 'relay'), 0)",
  )
  return Number(rs.rows[0]?.n ?? 0)
}

/** Waits until the relay has published everything; returns how long that took. */
async function waitForDrain(outbox: Client): Promise<{ ms: number; left: number }> {
  const started = performance.now()
  let left = await outboxDepth(outbox)
  while (left > 0 && performance.now() - started < DRAIN_TIMEOUT_MS) {
    await Bun.sleep(20)
    left = await outboxDepth(outbox)
  }
  return { ms: performance.now() - started, left }
}

async function topicEnd(kafka: KafkaBus): Promise<bigint> {
  const [topic] = await kafka.describeTopics([TOPIC])
  return (topic?.partitions ?? []).reduce((sum, p) => sum + p.end, 0n)
}

async function measure(
  target: Target,
  opts: Options,
  kafka: KafkaBus,
  nextBody: () => { body: string; events: number },
  into: Measured,
  warmUp: boolean,
): Promise<void> {
  const url = `${target.server.url}/api/events`
  const load = { url, concurrency: opts.concurrency, nextBody, expectStatus: target.expectStatus }
  if (warmUp) {
    const warm = await runLoad({ ...load, durationMs: opts.warmupMs })
    if (warm.requests === 0) throw new Error(`${target.name} warm-up failed: ${warm.firstError}`)
  }
  // The relay must not still be publishing the warm-up (or the last round) while we measure.
  if (target.outbox) await waitForDrain(target.outbox)
  const before = await topicEnd(kafka)
  const result = await runLoad({ ...load, durationMs: opts.durationMs })
  into.load.push(result)
  if (target.outbox) {
    const drain = await waitForDrain(target.outbox)
    into.drainMs.push(drain.ms)
    into.undrained += drain.left
  }
  into.kafkaRecords += (await topicEnd(kafka)) - before
}

function nodeVersion(node: string): string {
  const out = Bun.spawnSync([node, '--version'], { stdout: 'pipe', stderr: 'ignore' })
  return out.stdout.toString().trim()
}

export async function run(flags: BenchFlags): Promise<void> {
  const opts = readOptions(flags)
  const node = Bun.which('node')
  const dir = mkdtempSync(join(tmpdir(), 'streamshop-bench-'))
  const removeDir = deferCleanup(async () => rmSync(dir, { recursive: true, force: true }))
  const databaseUrl = `file:${join(dir, 'bench.db')}`
  console.log(
    'Resolving a broker (KAFKA_BROKERS, else Docker/Redpanda, else a local Apache Kafka)…',
  )
  const broker = await resolveBroker(config, {
    allowEmbedded: false,
    onProgress: (line) => console.log(`  ${line}`),
  })
  const stopBroker = deferCleanup(() => broker.stop())
  const brokers = broker.brokers.join(',')
  const kafka = new KafkaBus({
    brokers: broker.brokers,
    clientId: 'streamshop-bench',
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
  })
  let outbox: Client | undefined
  const servers: ChildServer[] = []
  try {
    // Both targets write the same topic, which must exist whichever of them starts first.
    await kafka.ensureTopics(TOPICS.filter((t) => t.name === TOPIC))
    // Children inherit this environment (PATH, a user's OUTBOX_* tuning) plus what the bench sets.
    const ours = await startChildServer(
      'streamshop',
      [process.execPath, join(ROOT, 'bench/servers/ingest-server.ts')],
      {
        ...process.env,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: '0',
        KAFKA_BROKERS: brokers,
        DATABASE_URL: databaseUrl,
        STATE_DIR: dir,
        // The limit guards production from one noisy client; the bench is that client on purpose.
        INGEST_RATE_LIMIT_PER_MIN: '0',
        ...(process.env.BENCH_NO_RELAY ? { OUTBOX_RELAY: 'false' } : {}),
        LOG_LEVEL: 'warn',
      },
    )
    servers.push(ours)
    const baseline = await startChildServer(
      'baseline',
      [node ?? process.execPath, join(ROOT, 'bench/baseline/express-kafkajs.mjs')],
      {
        ...process.env,
        NODE_ENV: 'production',
        KAFKA_BROKERS: brokers,
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
      },
    )
    servers.push(baseline)
    outbox = createClient({ url: databaseUrl })

    console.log(
      `Broker: ${broker.description}\n` +
        `Machine: ${cpus().length} cores; bench and Streamshop on Bun ${Bun.version}, ` +
        `baseline on ${node ? `node ${nodeVersion(node)}` : `Bun ${Bun.version} (no node found)`}\n` +
        `Load: ${opts.concurrency} concurrent keep-alive clients, ${opts.batch} events per request, ` +
        `${opts.warmupMs / 1000} s warm-up, ${opts.rounds} × ${opts.durationMs / 1000} s measured per target\n` +
        `  streamshop: 202 once the batch is committed to the libSQL outbox (one transaction); ` +
        `the relay then publishes it to Kafka (idempotent, acks=all)\n` +
        `  baseline:   200 once Kafka acknowledged the batch (kafkajs producer.send, default acks=-1 = all)`,
    )

    const targets: Target[] = [
      { name: 'streamshop', server: ours, expectStatus: 202, outbox },
      { name: 'baseline', server: baseline, expectStatus: 200 },
    ]
    const measured = new Map<string, Measured>(
      targets.map((t) => [t.name, { load: [], kafkaRecords: 0n, drainMs: [], undrained: 0 }]),
    )
    const nextBody = batchBodies(opts.batch)
    // Rounds alternate the targets so a burst of other work on the machine hits both alike.
    for (let round = 0; round < opts.rounds; round++) {
      for (const target of targets) {
        process.stdout.write(`  round ${round + 1}/${opts.rounds}: ${target.name}…`)
        await measure(
          target,
          opts,
          kafka,
          nextBody,
          measured.get(target.name) as Measured,
          round === 0,
        )
        process.stdout.write(' done\n')
      }
    }

    const ourM = measured.get('streamshop') as Measured
    const baseM = measured.get('baseline') as Measured
    const ourS = summarise(ourM.load)
    const baseS = summarise(baseM.load)
    console.log()
    printTable([
      ['streamshop', ourS],
      ['baseline', baseS],
    ])
    for (const [name, s] of [
      ['streamshop', ourS],
      ['baseline', baseS],
    ] as const) {
      if (s.errors > 0)
        console.log(`  ${name}: ${s.errors} failed requests; first: ${s.firstError}`)
    }

    const ratio = ourS.eventsPerS / baseS.eventsPerS
    const drainS = ourM.drainMs.reduce((a, b) => a + b, 0) / 1000
    console.log(
      `\n  streamshop / baseline: ${ratio.toFixed(2)}× the events/s, ` +
        `${(ourS.p50 / baseS.p50).toFixed(2)}× the p50 latency, ${(ourS.p99 / baseS.p99).toFixed(2)}× the p99`,
    )
    console.log(
      `  relay drain after the load: ${drainS.toFixed(2)} s to publish the rest of the outbox to Kafka` +
        (ourM.undrained > 0
          ? ` — ${int(ourM.undrained)} events still unpublished after the timeout`
          : '') +
        `; load + drain: ${int(ourS.events / (ourS.seconds + drainS))} events/s into Kafka`,
    )
    for (const [name, m, s] of [
      ['streamshop', ourM, ourS],
      ['baseline', baseM, baseS],
    ] as const) {
      const ok = m.kafkaRecords >= BigInt(s.events)
      console.log(
        `  ${TOPIC} grew by ${int(Number(m.kafkaRecords))} records during ${name} ` +
          `(${int(s.events)} acknowledged${ok ? '' : ' — MISSING RECORDS'})`,
      )
    }
    const meets = (ok: boolean) => (ok ? 'met' : 'NOT met')
    console.log(
      `\n  target ≥ ${int(TARGET_EVENTS_PER_S)} events/s: ${meets(ourS.eventsPerS >= TARGET_EVENTS_PER_S)} ` +
        `(${int(ourS.eventsPerS)})\n` +
        `  target ≥ ${TARGET_RATIO}× baseline:       ${meets(ratio >= TARGET_RATIO)} (${ratio.toFixed(2)}×)`,
    )
  } finally {
    outbox?.close()
    await Promise.allSettled(servers.map((s) => s.stop()))
    await kafka.close()
    await stopBroker()
    await removeDir()
  }
}
