// Consumer status as an operator sees it: the query function, /metrics and /readyz, on both buses.
import { afterEach, describe, expect, test } from 'bun:test'
import { type ConsumerDefinition, catalogSchema } from '../../../shared/consumers/define.ts'
import { createEvent, toRecord } from '../../../shared/events/envelope.ts'
import type { TopicName } from '../../../shared/events/topics.ts'
import { eventually, unique } from '../../helpers/broker.ts'
import { startTestShop, type TestShop } from '../../helpers/shop.ts'

let shop: TestShop | null = null
let gate = Promise.withResolvers<void>()

afterEach(async () => {
  gate.resolve()
  await shop?.close()
  shop = null
})

for (const bus of ['kafka', 'embedded'] as const) {
  describe(`consumer status (${bus})`, () => {
    test('reports state, partitions and the lag of a group that never committed; readiness follows its members', async () => {
      shop = await startTestShop(bus === 'embedded' ? { BUS: 'embedded' } : {})
      const { platform, app } = shop
      const group = unique('status')
      const user = unique('status-user')
      const publish = () =>
        platform.bus.publish(
          [0, 1, 2].map((i) => ({
            ...toRecord(
              createEvent(
                'product.viewed',
                { userId: user, productId: `p${i}`, metadata: {} },
                { source: '/t' },
              ),
            ),
            topic,
          })),
        )
      gate = Promise.withResolvers<void>()
      const topic = unique('status-topic')
      await platform.bus.ensureTopics([
        { name: topic, partitions: 3, retentionDays: 1, purpose: 'test', consumed: true },
      ])
      let mine = 0
      // A topic of its own (the catalog's are busy with other tests), so the object, not defineConsumer.
      await platform.consumers.start([
        {
          group,
          topic: topic as TopicName,
          types: ['product.viewed'],
          schema: catalogSchema('product.viewed'),
          async handle(event) {
            // Nothing is committed until the gate opens: the group has never committed.
            await gate.promise
            if ((event.data as { userId: string }).userId === user) mine++
          },
        } as ConsumerDefinition,
      ])
      await publish()
      const status = await eventually(async () => {
        const s = (await platform.consumers.status()).find((x) => x.group === group)
        return s?.state === 'running' && s.assigned.length > 0 && s
      }, 30_000)
      expect(status.group).toBe(group)
      expect(status.members).toBe(1)
      expect(status.assigned.map((a) => a.partition).sort((a, b) => a - b)).toEqual(
        Array.from({ length: status.lag?.length ?? 0 }, (_, i) => i),
      )
      expect(status.lag?.every((p) => p.committed === null)).toBe(true)
      expect(status.totalLag).toBeGreaterThanOrEqual(3)

      const metrics = await (await app.request('/metrics')).text()
      expect(metrics).toContain(`streamshop_consumer_up{group="${group}",topic="${topic}"} 1`)
      expect(metrics).toMatch(
        new RegExp(
          `streamshop_consumer_lag\\{group="${group}",topic="${topic}",partition="\\d+"\\} [1-9]`,
        ),
      )
      const ready = await app.request('/readyz')
      expect(ready.status).toBe(200)
      // The shop's own consumers (the recommender's) are listed too.
      expect(((await ready.json()) as { consumers: unknown[] }).consumers).toContainEqual({
        group,
        topic,
        state: 'running',
      })

      gate.resolve()
      await eventually(() => mine === 3, 30_000, 'the three events')
      const after = await eventually(async () => {
        const s = (await platform.consumers.status()).find((x) => x.group === group)
        return s?.totalLag === 0 && s
      }, 30_000)
      expect(after.counts.handled).toBeGreaterThanOrEqual(3)

      await platform.consumers.close()
      const stopped = await app.request('/readyz')
      expect(stopped.status).toBe(503)
      expect(((await stopped.json()) as { detail: string }).detail).toContain(`${group} (stopped)`)
    })
  })
}
