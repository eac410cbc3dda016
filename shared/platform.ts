import { type ResolvedBroker, resolveBroker } from './broker/resolve.ts'
import { onEventsCommitted, throttled } from './bus/commit.ts'
import { createBus } from './bus/create.ts'
import { OutboxWriter } from './bus/outbox-writer.ts'
import { READER_GROUP_PREFIX } from './bus/read.ts'
import { OutboxRelay } from './bus/relay.ts'
import { type RelayHandle, RelayThread } from './bus/relay-thread.ts'
import type { EventBus } from './bus/types.ts'
import type { Config } from './config/index.ts'
import { ConsumerSet, retryPolicy } from './consumers/registry.ts'
import { type Database, openMigratedDatabase } from './db/client.ts'
import { catalogWithDlqs } from './events/topics.ts'
import { log } from './observability/log.ts'
import { type LagSample, setConsumerSource, setLagSource } from './observability/metrics.ts'

/** How often at most commits wake the relay. */
const RELAY_WAKE_MS = 20

/** What every process runs on: the migrated database, a bus, and the outbox relay. */
export interface Platform {
  config: Config
  database: Database
  broker: ResolvedBroker
  bus: EventBus
  relay: RelayHandle
  /** Appends events that change no other state, with group commit. */
  outbox: OutboxWriter
  /** The consumers this process runs (`consumers.start(service.consumers)`); closed first on close. */
  consumers: ConsumerSet
  close(): Promise<void>
}

/** Opens the database, finds a broker, creates the topic catalog and starts the relay. */
export async function startPlatform(
  config: Config,
  opts: { allowEmbedded: boolean; relay?: boolean } = { allowEmbedded: false },
): Promise<Platform> {
  const database = await openMigratedDatabase(config.DATABASE_URL, config.DATABASE_AUTH_TOKEN, {
    synchronous: config.DATABASE_SYNCHRONOUS,
  })
  const broker =
    config.BUS === 'embedded'
      ? {
          kind: 'embedded' as const,
          brokers: [],
          description: 'embedded event log (BUS=embedded)',
          stop: async () => {},
        }
      : await resolveBroker(config, {
          allowEmbedded: opts.allowEmbedded && config.BUS === 'auto',
          onProgress: (line) => log.info(line),
        })
  const bus = createBus(config, database, broker.brokers)
  await bus.ensureTopics(catalogWithDlqs())
  // With Kafka the relay gets a thread of its own; the embedded log lives in this process, so it stays here.
  const relay: RelayHandle =
    bus.kind === 'kafka'
      ? new RelayThread(config, broker.brokers)
      : new OutboxRelay(database.db, bus, {
          batchSize: config.OUTBOX_BATCH_SIZE,
          pollMs: config.OUTBOX_POLL_MS,
          retentionMs: config.OUTBOX_RETENTION_HOURS * 3_600_000,
        })
  if (opts.relay !== false && config.OUTBOX_RELAY) relay.start()
  // A lone event wakes the relay at once; under load it publishes 20 ms of events at a time.
  const stopWaking = onEventsCommitted(throttled(() => relay.notify(), RELAY_WAKE_MS))
  const consumers = new ConsumerSet({ bus, db: database.db, retry: retryPolicy(config) })
  setLagSource(() => consumerLag(bus, consumers.groups()))
  setConsumerSource(() => consumers.states())
  let closing: Promise<void> | null = null
  return {
    config,
    database,
    broker,
    bus,
    relay,
    outbox: new OutboxWriter(database.client),
    consumers,
    close() {
      closing ??= (async () => {
        setLagSource(null)
        setConsumerSource(null)
        // Consumers first: what they commit while finishing still reaches the outbox and the relay.
        await consumers.close()
        stopWaking()
        await relay.stop()
        await bus.close()
        await broker.stop()
        database.close()
      })()
      return closing
    },
  }
}

/** Closes the platform on SIGINT/SIGTERM so consumers leave their groups and the broker stops. */
export function closeOnSignals(close: () => Promise<void>): void {
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down')
    const force = setTimeout(() => process.exit(1), 30_000)
    try {
      await close()
    } finally {
      clearTimeout(force)
      process.exit(0)
    }
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}

// Throwaway groups of the CLI and of test readers are not consumers anyone needs to watch.
const TRANSIENT_GROUP = new RegExp(`^(streamshop-tail-|${READER_GROUP_PREFIX}|reader-)`)

/**
 * Lag of every consumer group on the catalog's topics, per partition. This process's own groups
 * are reported on their topics even before they first commit (everything retained is lag then).
 */
export async function consumerLag(
  bus: EventBus,
  own: { group: string; topics: string[] }[] = [],
): Promise<LagSample[]> {
  const catalog = catalogWithDlqs().map((t) => t.name)
  const samples: LagSample[] = []
  const mine = new Map(own.map((g) => [g.group, g.topics]))
  const others = (await bus.listGroups()).filter((g) => !TRANSIENT_GROUP.test(g) && !mine.has(g))
  const lagOf = (group: string) => {
    const topics = mine.get(group)
    // Other processes' groups: the catalog's topics they have committed on.
    return topics ? bus.lag(group, topics) : bus.lag(group, catalog, { committedOnly: true })
  }
  for (const group of [...mine.keys(), ...others]) {
    for (const p of await lagOf(group))
      samples.push({ group, topic: p.topic, partition: p.partition, lag: p.lag })
  }
  return samples
}
