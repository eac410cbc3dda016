import { expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { NO_BROKER_HELP, resolveBroker } from '../../../shared/broker/resolve.ts'
import { parseConfig } from '../../../shared/config/index.ts'
import { testBrokers } from '../../helpers/broker.ts'

test('uses KAFKA_BROKERS first', async () => {
  const broker = await resolveBroker(parseConfig({ KAFKA_BROKERS: testBrokers().join(',') }), {
    allowEmbedded: false,
  })
  expect(broker.kind).toBe('env')
  expect(broker.brokers).toEqual(testBrokers())
})

test('fails with a clear message when KAFKA_BROKERS does not answer', async () => {
  const config = parseConfig({ KAFKA_BROKERS: '127.0.0.1:1', BROKER_STARTUP_TIMEOUT_MS: '1000' })
  await expect(resolveBroker(config, { allowEmbedded: false })).rejects.toThrow(
    /No Kafka broker answered at 127.0.0.1:1/,
  )
})

test('without KAFKA_BROKERS, Docker or java: tests fail with how to provide a broker, dev falls back to the embedded log', async () => {
  const searchPath = mkdtempSync(`${tmpdir()}/empty-path-`)
  const config = parseConfig({})
  await expect(resolveBroker(config, { allowEmbedded: false, searchPath })).rejects.toThrow(
    NO_BROKER_HELP,
  )
  const fallback = await resolveBroker(config, { allowEmbedded: true, searchPath })
  expect(fallback.kind).toBe('embedded')
  expect(fallback.description).toContain('embedded event log')
})
