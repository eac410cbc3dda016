// `bun run broker`: starts a broker in the foreground and prints KAFKA_BROKERS=… once it is ready.
// `bun run broker --install` only downloads Apache Kafka into the cache.
import { installKafka } from '../broker/local-kafka.ts'
import { resolveBroker } from '../broker/resolve.ts'
import { writeBrokerState } from '../broker/state.ts'
import { config } from '../config/index.ts'

if (process.argv.includes('--install')) {
  // CI and container builds: fetch Kafka's jars into the cache without starting anything.
  const lib = await installKafka({
    version: config.KAFKA_VERSION,
    cacheDir: config.STREAMSHOP_CACHE_DIR,
    onProgress: (line) => console.error(line),
  })
  console.log(`Apache Kafka ${config.KAFKA_VERSION} is installed in ${lib}`)
  process.exit(0)
}

const broker = await resolveBroker(config, {
  allowEmbedded: false,
  onProgress: (line) => console.error(line),
})
const forget = writeBrokerState(config.STATE_DIR, {
  kind: broker.kind,
  brokers: broker.brokers,
  databaseUrl: config.DATABASE_URL,
  pid: process.pid,
})
console.error(`Broker ready: ${broker.description}. Ctrl-C stops it.`)
console.log(`KAFKA_BROKERS=${broker.brokers.join(',')}`)

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  forget()
  await broker.stop()
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
// Keep the process alive until a signal arrives.
setInterval(() => {}, 1 << 30)
