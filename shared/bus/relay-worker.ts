// The worker thread behind RelayThread: opens its own database connection and Kafka producer and
// runs the outbox relay, reporting what it published to the main thread's metrics.
import { openDatabase } from '../db/client.ts'
import { KafkaBus } from './kafka.ts'
import { outboxDepth } from './outbox.ts'
import { OutboxRelay } from './relay.ts'
import type { RelayThreadMessage, RelayThreadReport } from './relay-thread.ts'
import type { BusRecord, EventBus } from './types.ts'

declare const self: Worker

let relay: OutboxRelay | null = null
let bus: KafkaBus | null = null
let close: (() => void) | null = null

function report(message: RelayThreadReport): void {
  self.postMessage(message)
}

self.onmessage = async (event: MessageEvent<RelayThreadMessage>) => {
  const message = event.data
  try {
    if (message.type === 'start') {
      const { config, brokers } = message
      const database = await openDatabase(config.DATABASE_URL, config.DATABASE_AUTH_TOKEN)
      close = () => database.close()
      const kafka = new KafkaBus({
        brokers,
        clientId: `${config.KAFKA_CLIENT_ID}-relay`,
        replicationFactor: config.KAFKA_REPLICATION_FACTOR,
        compression: config.KAFKA_COMPRESSION,
        sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
        maxAttempts: config.CONSUMER_MAX_ATTEMPTS,
        retryBaseMs: config.CONSUMER_RETRY_BASE_MS,
      })
      bus = kafka
      let lastDepthAt = 0
      // Count what the relay publishes and, at most once a second, how much is left.
      const counting: EventBus = Object.create(kafka, {
        publish: {
          value: async (records: BusRecord[]) => {
            await kafka.publish(records)
            const now = Date.now()
            const depth = now - lastDepthAt > 1000 ? await outboxDepth(database.db) : null
            if (depth !== null) lastDepthAt = now
            report({ type: 'published', count: records.length, depth })
          },
        },
      })
      relay = new OutboxRelay(database.db, counting, {
        batchSize: config.OUTBOX_BATCH_SIZE,
        pollMs: config.OUTBOX_POLL_MS,
        retentionMs: config.OUTBOX_RETENTION_HOURS * 3_600_000,
      })
      relay.start()
    } else if (message.type === 'notify') {
      relay?.notify()
    } else {
      await relay?.stop()
      await bus?.close()
      close?.()
      report({ type: 'stopped' })
    }
  } catch (error) {
    report({ type: 'failed', message: (error as Error).message })
  }
}
