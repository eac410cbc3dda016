// A random base64url cluster id starts with '-' once in 64 starts; Kafka's storage tool then read
// it as an option and the broker never started.
import { afterAll, expect, test } from 'bun:test'
import { LocalKafka } from '../../shared/broker/local-kafka.ts'
import { waitForBroker } from '../../shared/broker/wait.ts'
import { parseConfig } from '../../shared/config/index.ts'

const config = parseConfig({ ...process.env, NODE_ENV: 'test' })
const kafka = new LocalKafka({
  version: config.KAFKA_VERSION,
  cacheDir: config.STREAMSHOP_CACHE_DIR,
  startupTimeoutMs: 90_000,
  clusterId: '-tKgsA0ZQ5i5ZmX9pZ8YqA',
})

afterAll(() => kafka.stop())

test('starts a local Kafka whose cluster id begins with a dash', async () => {
  const brokers = await kafka.start()
  await waitForBroker(brokers, 5000)
  expect(brokers[0]).toMatch(/^127\.0\.0\.1:\d+$/)
}, 120_000)
