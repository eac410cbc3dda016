import { expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { eventually } from '../../helpers/broker.ts'

const ROOT = join(import.meta.dir, '../../..')

function accepts(address: string): Promise<boolean> {
  const [host, port] = address.split(':')
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

test('the local Kafka stops and its data goes when the process that started it is killed', async () => {
  const script = `
    import { LocalKafka } from './shared/broker/local-kafka.ts'
    import { parseConfig } from './shared/config/index.ts'
    const config = parseConfig(process.env)
    const kafka = new LocalKafka({ version: config.KAFKA_VERSION, cacheDir: config.STREAMSHOP_CACHE_DIR, startupTimeoutMs: 90000 })
    const brokers = await kafka.start()
    console.log(JSON.stringify({ broker: brokers[0], dir: kafka.dataDir }))
    setInterval(() => {}, 1 << 30)
  `
  const child = Bun.spawn(['bun', '-e', script], { cwd: ROOT, stdout: 'pipe', stderr: 'inherit' })
  const reader = child.stdout.getReader()
  const { value } = await reader.read()
  const started = JSON.parse(new TextDecoder().decode(value)) as { broker: string; dir: string }
  expect(await accepts(started.broker)).toBe(true)
  expect(existsSync(started.dir)).toBe(true)

  child.kill('SIGKILL')
  await eventually(async () => !(await accepts(started.broker)), 30_000, 'the JVM to stop')
  await eventually(() => !existsSync(started.dir), 30_000, 'the data directory to go')
}, 120_000)
