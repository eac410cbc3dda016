import { expect, test } from 'bun:test'
import { murmur2 } from '@platformatic/kafka'
import { javaPartition } from '../../../shared/bus/kafka-produce.ts'

test("the partitioner hashes keys as Kafka's Java client does", () => {
  // Values from Apache Kafka's UtilsTest.testMurmur2.
  const java: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ]
  for (const [key, hash] of java) {
    expect(murmur2(Buffer.from(key))).toBe(hash)
    // Java's toPositive masks the sign bit; an unsigned shift would move half the keys.
    expect(javaPartition(key, 6)).toBe((hash & 0x7fffffff) % 6)
  }
})
