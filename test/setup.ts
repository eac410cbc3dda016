// Runs once before all test files: finds a real broker exactly as `bun run dev` does, minus the
// embedded fallback. Tests about Kafka never silently run without one.
import { afterAll } from 'bun:test'
import { resolveBroker } from '../shared/broker/resolve.ts'
import { parseConfig } from '../shared/config/index.ts'
import { setTestBroker } from './helpers/broker.ts'

const config = parseConfig({ ...process.env, NODE_ENV: 'test' })
const broker = await resolveBroker(config, {
  allowEmbedded: false,
  onProgress: (line) => console.error(`[test broker] ${line}`),
})
console.error(`[test broker] ${broker.description}`)
console.error(`[test broker] KAFKA_BROKERS=${broker.brokers.join(',')}`)
setTestBroker(broker)

afterAll(async () => {
  await broker.stop()
})
