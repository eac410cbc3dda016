import { expect, test } from 'bun:test'
import { parseConfig } from '../../../shared/config/index.ts'

test('parses defaults and lists every bad field', () => {
  const config = parseConfig({})
  expect(config.PORT).toBe(3000)
  expect(config.KAFKA_BROKERS).toBeUndefined()
  expect(parseConfig({ KAFKA_BROKERS: 'a:1, b:2' }).KAFKA_BROKERS).toEqual(['a:1', 'b:2'])
  expect(() => parseConfig({ PORT: 'eighty', BUS: 'carrier-pigeon' })).toThrow(
    /PORT[\s\S]*BUS|BUS[\s\S]*PORT/,
  )
})
