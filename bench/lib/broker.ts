// The broker a bench measures against, found as the tests find one, and stopped with the bench.
import { type ResolvedBroker, resolveBroker } from '../../shared/broker/resolve.ts'
import { config } from '../../shared/config/index.ts'
import { deferCleanup } from './cleanup.ts'

/**
 * KAFKA_BROKERS, else Redpanda in Docker, else a local Apache Kafka; never the embedded log.
 * `stop` runs once, at the caller's end or when the run is interrupted.
 */
export async function benchBroker(): Promise<{
  broker: ResolvedBroker
  stop: () => Promise<void>
}> {
  console.log(
    'Resolving a broker (KAFKA_BROKERS, else Docker/Redpanda, else a local Apache Kafka)…',
  )
  const broker = await resolveBroker(config, {
    allowEmbedded: false,
    onProgress: (line) => console.log(`  ${line}`),
  })
  return { broker, stop: deferCleanup(() => broker.stop()) }
}
