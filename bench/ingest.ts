// Ingest throughput: Streamshop's POST /api/events against the seed's Express + kafkajs shape,
// both loaded by the same client, in the same run, on the same broker: one event per request (the
// seed's React hook) and batches of 100, with Streamshop at both durability levels.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Client, createClient } from '@libsql/client'
import { KafkaBus } from '../shared/bus/kafka.ts'
import { config } from '../shared/config/index.ts'
import type { Synchronous } from '../shared/db/client.ts'
import { TOPICS } from '../shared/events/topics.ts'
import { type BodyShape, bodyLua, bodyMaker, pathFor } from './ingest-bodies.ts'
import { judge, type Measured, printWorkload, type Workload } from './ingest-report.ts'
import { benchBroker } from './lib/broker.ts'
import { type ChildServer, startChildServer } from './lib/child.ts'
import { deferCleanup } from './lib/cleanup.ts'
import { isSmoke, numberFlag } from './lib/flags.ts'
import { runLoad } from './lib/load.ts'
import { type Summary, summarise } from './lib/report.ts'
import { runWrk, WRK } from './lib/wrk.ts'
import type { BenchFlags } from './run.ts'

export const description =
  'POST /api/events, one event per request and batches of 100: Streamshop (DATABASE_SYNCHRONOUS ' +
  'full and normal) vs an Express + kafkajs baseline'

const TOPIC = 'user-events'
const DRAIN_TIMEOUT_MS = 300_000
const ROOT = join(import.meta.dir, '..')
const LEVELS: Synchronous[] = ['full', 'normal']

interface Options {
  smoke: boolean
  warmupMs: number
  durationMs: number
  workloads: Workload[]
}

function readOptions(flags: BenchFlags): Options {
  const smoke = isSmoke(flags)
  const batch = Math.min(1000, numberFlag(flags, 'batch', 100))
  const only = typeof flags.workload === 'string' ? flags.workload : undefined
  return {
    smoke,
    warmupMs: numberFlag(flags, 'warmup', smoke ? 1 : 2) * 1000,
    durationMs: numberFlag(flags, 'duration', smoke ? 1 : 10) * 1000,
    // `--workload=single` or `--workload=batch` runs one of the two.
    workloads: (
      [
        {
          title: 'One event per request (the seed’s React hook)',
          kind: 'single',
          eventsPerRequest: 1,
          connections: numberFlag(flags, 'connections', 64),
        },
        {
          title: `Batches of ${batch} events`,
          kind: 'batch',
          eventsPerRequest: batch,
          connections: numberFlag(flags, 'batch-connections', 16),
        },
      ] as Workload[]
    ).filter((w) => !only || w.kind === only),
  }
}

interface Target {
  name: string
  server: ChildServer
  dialect: BodyShape['dialect']
  /** Streamshop only: the outbox the relay drains into Kafka after the 202. */
  outbox?: Client
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

async function load(target: Target, workload: Workload, durationMs: number): Promise<Summary> {
  const shape: BodyShape = { ...workload, dialect: target.dialect }
  const url = `${target.server.url}${pathFor(shape)}`
  if (WRK) {
    const { connections, eventsPerRequest } = workload
    return runWrk({ url, connections, durationMs, bodyLua: bodyLua(shape), eventsPerRequest })
  }
  const result = await runLoad({
    url,
    concurrency: workload.connections,
    durationMs,
    nextBody: bodyMaker(shape),
    expectStatus: target.dialect === 'ours' ? 202 : 200,
  })
  return summarise([result])
}

async function measure(
  target: Target,
  workload: Workload,
  opts: Options,
  kafka: KafkaBus,
): Promise<Measured> {
  const warm = await load(target, workload, opts.warmupMs)
  if (warm.requests === 0) throw new Error(`${target.name} warm-up failed: ${warm.firstError}`)
  // The relay must not still be publishing the warm-up while we measure.
  if (target.outbox) await waitForDrain(target.outbox)
  const before = await topicEnd(kafka)
  const summary = await load(target, workload, opts.durationMs)
  const drain = target.outbox ? await waitForDrain(target.outbox) : { ms: 0, left: 0 }
  return {
    name: target.name,
    summary,
    drainS: drain.ms / 1000,
    undrained: drain.left,
    kafkaRecords: Number((await topicEnd(kafka)) - before),
  }
}

function nodeVersion(node: string): string {
  const out = Bun.spawnSync([node, '--version'], { stdout: 'pipe', stderr: 'ignore' })
  return out.stdout.toString().trim()
}

async function startStreamshop(level: Synchronous, dir: string, brokers: string): Promise<Target> {
  const databaseUrl = `file:${join(dir, `bench-${level}.db`)}`
  const server = await startChildServer(
    `streamshop ${level}`,
    [process.execPath, join(ROOT, 'bench/servers/ingest-server.ts')],
    {
      // Children inherit this environment (PATH, a user's OUTBOX_* tuning) plus what the bench sets.
      ...process.env,
      NODE_ENV: 'production',
      // Production refuses to start without one; nothing the bench does is signed.
      SESSION_SECRET: process.env.SESSION_SECRET ?? randomBytes(32).toString('hex'),
      HOST: '127.0.0.1',
      PORT: '0',
      KAFKA_BROKERS: brokers,
      DATABASE_URL: databaseUrl,
      DATABASE_SYNCHRONOUS: level,
      STATE_DIR: dir,
      // The limit guards production from one noisy client; the bench is that client on purpose.
      INGEST_RATE_LIMIT_PER_MIN: '0',
      ...(process.env.BENCH_NO_RELAY ? { OUTBOX_RELAY: 'false' } : {}),
      LOG_LEVEL: 'warn',
    },
  )
  return {
    name: `streamshop ${level}`,
    server,
    dialect: 'ours',
    outbox: createClient({ url: databaseUrl }),
  }
}

export async function run(flags: BenchFlags): Promise<void> {
  const opts = readOptions(flags)
  const node = Bun.which('node')
  const dir = mkdtempSync(join(tmpdir(), 'streamshop-bench-'))
  const removeDir = deferCleanup(async () => rmSync(dir, { recursive: true, force: true }))
  const { broker, stop: stopBroker } = await benchBroker()
  const brokers = broker.brokers.join(',')
  const kafka = new KafkaBus({
    brokers: broker.brokers,
    clientId: 'streamshop-bench',
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
  })
  const targets: Target[] = []
  try {
    // Every target writes the same topic, which must exist whichever of them starts first.
    await kafka.ensureTopics(TOPICS.filter((t) => t.name === TOPIC))
    for (const level of LEVELS) targets.push(await startStreamshop(level, dir, brokers))
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
    targets.push({ name: 'baseline', server: baseline, dialect: 'seed' })

    console.log(
      `Broker: ${broker.description}\n` +
        `Machine: ${cpus().length} cores; Streamshop on Bun ${Bun.version}, ` +
        `baseline on ${node ? `node ${nodeVersion(node)}` : `Bun ${Bun.version} (no node found)`}\n` +
        `Load: ${WRK ? 'wrk, one thread' : 'fetch from this process (install wrk for a lighter client)'}, ` +
        `keep-alive connections, ${opts.warmupMs / 1000} s warm-up, then ${opts.durationMs / 1000} s measured per target\n` +
        '  streamshop: 202 once the events are committed to the libSQL outbox (group commit); the ' +
        'relay then publishes them to Kafka (idempotent, acks=all). DATABASE_SYNCHRONOUS=full: the ' +
        'commit survives a power cut; normal: a crash of the process\n' +
        '  baseline:   200 once Kafka acknowledged the send (kafkajs producer.send, acks=-1 = all): ' +
        'POST /api/events/track for one event, POST /api/events for a batch',
    )
    for (const workload of opts.workloads) {
      console.log(
        `\n${workload.title}, ${workload.connections} connections (${WRK ? 'wrk' : 'fetch'})`,
      )
      const measured: Measured[] = []
      for (const target of targets) {
        process.stdout.write(`  ${target.name}…`)
        measured.push(await measure(target, workload, opts, kafka))
        process.stdout.write(' done\n')
      }
      printWorkload(measured)
      judge(workload, measured, opts.smoke)
    }
  } finally {
    for (const t of targets) t.outbox?.close()
    await Promise.allSettled(targets.map((t) => t.server.stop()))
    await kafka.close()
    await stopBroker()
    await removeDir()
  }
}
