// The worker thread behind RelayThread: opens its own database connection and Kafka producer, runs
// the outbox relay, and once a second sends the main thread what its metrics need.
import { openDatabase } from '../db/client.ts'
import { busMetrics } from '../observability/metrics.ts'
import { KafkaBus } from './kafka.ts'
import { OutboxRelay } from './relay.ts'
import type { RelayThreadMessage, RelayThreadReport } from './relay-thread.ts'

declare const self: Worker

let relay: OutboxRelay | null = null
let bus: KafkaBus | null = null
let close: (() => void) | null = null
let reporter: ReturnType<typeof setInterval> | null = null

function report(message: RelayThreadReport): void {
  self.postMessage(message)
}

async function currentValue(metric: {
  get(): Promise<{ values: { value: number }[] }>
}): Promise<number> {
  return (await metric.get()).values[0]?.value ?? 0
}

async function sendMetrics(): Promise<void> {
  report({
    type: 'metrics',
    produced: await currentValue(busMetrics.produced),
    rejected: await currentValue(busMetrics.outboxRejected),
    depth: await currentValue(busMetrics.outboxDepth),
    oldestSeconds: await currentValue(busMetrics.outboxOldestSeconds),
  })
}

self.onmessage = async (event: MessageEvent<RelayThreadMessage>) => {
  const message = event.data
  try {
    if (message.type === 'start') {
      const { config, brokers, takeOverFrom } = message
      const database = await openDatabase(config.DATABASE_URL, config.DATABASE_AUTH_TOKEN, {
        synchronous: config.DATABASE_SYNCHRONOUS,
      })
      close = () => database.close()
      bus = new KafkaBus({
        brokers,
        clientId: `${config.KAFKA_CLIENT_ID}-relay`,
        replicationFactor: config.KAFKA_REPLICATION_FACTOR,
        compression: config.KAFKA_COMPRESSION,
        sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      })
      relay = new OutboxRelay(database.db, bus, {
        batchSize: config.OUTBOX_BATCH_SIZE,
        pollMs: config.OUTBOX_POLL_MS,
        retentionMs: config.OUTBOX_RETENTION_HOURS * 3_600_000,
        takeOverFrom,
      })
      report({ type: 'started', owner: relay.owner })
      relay.start()
      reporter = setInterval(() => void sendMetrics(), 1000)
    } else if (message.type === 'notify') {
      relay?.notify()
    } else {
      if (reporter) clearInterval(reporter)
      await relay?.stop()
      await bus?.close()
      close?.()
      await sendMetrics()
      report({ type: 'stopped' })
    }
  } catch (error) {
    report({ type: 'failed', message: (error as Error).message })
  }
}
