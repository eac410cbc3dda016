import type { Config } from '../config/index.ts'
import type { Database } from '../db/client.ts'
import { EmbeddedBus } from './embedded.ts'
import { KafkaBus } from './kafka.ts'
import type { EventBus } from './types.ts'

/** The Kafka bus for bootstrap addresses, or the embedded log when there are none. */
export function createBus(config: Config, database: Database, brokers: string[]): EventBus {
  if (brokers.length === 0) return new EmbeddedBus(database)
  return new KafkaBus({
    brokers,
    clientId: config.KAFKA_CLIENT_ID,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    compression: config.KAFKA_COMPRESSION,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
  })
}
