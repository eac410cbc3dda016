import { expect, test } from 'bun:test'
import { EmbeddedBus } from '../../../shared/bus/embedded.ts'
import { eventually, tempDatabase } from '../../helpers/broker.ts'
import { busContract } from './contract.ts'

// Two EmbeddedBus instances on one database stand for two members in one process; membership is
// per instance, so the multi-member test shares the group through the database's offsets. The
// embedded log is single-process by design: members of one group must share one bus instance.
const shared = new WeakMap<object, EmbeddedBus>()

busContract('embedded log', {
  bus: (database) => {
    let bus = shared.get(database)
    if (!bus) {
      bus = new EmbeddedBus(database, { pollMs: 50 })
      shared.set(database, bus)
    }
    return bus
  },
})

test('embedded log retention drops old records without ever reusing their offsets', async () => {
  const database = await tempDatabase()
  const bus = new EmbeddedBus(database, { pollMs: 20 })
  try {
    await bus.ensureTopics([
      { name: 't', partitions: 1, retentionDays: 1, purpose: 'test', consumed: false },
    ])
    const old = Date.now() - 2 * 86_400_000
    await bus.publish(
      [0, 1, 2].map((i) => ({
        topic: 't',
        key: 'k',
        value: String(i),
        headers: {},
        timestamp: old,
      })),
    )
    await bus.enforceRetention()
    expect(await bus.describeTopics(['t'])).toEqual([
      { name: 't', partitions: [{ partition: 0, start: 3n, end: 3n }] },
    ])
    await bus.seek('g', 't', 'latest')
    await bus.publish([{ topic: 't', key: 'k', value: 'new', headers: {} }])
    const seen: { offset: bigint; value: string }[] = []
    const sub = await bus.subscribe({
      group: 'g',
      topics: ['t'],
      handler: async (r) => void seen.push(r),
    })
    await eventually(() => seen.length >= 1, 10_000, 'the new record')
    await sub.close()
    expect(seen).toMatchObject([{ offset: 3n, value: 'new' }])
  } finally {
    await bus.close()
    database.close()
  }
})
