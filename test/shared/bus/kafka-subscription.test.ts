// A member of a consumer group on the real broker when its client gives up: the error it emits on
// the consumer itself must not end the process, and the member must carry on with a fresh one.
import { afterAll, expect, test } from 'bun:test'
import { Consumer, stringDeserializers } from '@platformatic/kafka'
import { KafkaSubscription, type StringConsumer } from '../../../shared/bus/kafka-subscription.ts'
import { eventually, kafkaBus, testBrokers, unique } from '../../helpers/broker.ts'
import { topicSpec } from './relay-helpers.ts'

const bus = kafkaBus()
afterAll(() => bus.close())

const record = (topic: string, i: number) => ({
  topic,
  key: 'k',
  value: JSON.stringify({ i }),
  headers: { ce_id: `${topic}-${i}`, ce_type: 'product.viewed' },
})

test('an error the client emits on its consumer rejoins the group instead of ending the process', async () => {
  const topic = unique('member-error')
  const group = unique('member-error')
  await bus.ensureTopics([topicSpec(topic, 1)])
  const consumers: StringConsumer[] = []
  const seen: number[] = []
  const sub = new KafkaSubscription(
    () => {
      const consumer: StringConsumer = new Consumer({
        groupId: group,
        clientId: unique('member-error'),
        bootstrapBrokers: testBrokers(),
        deserializers: stringDeserializers,
        sessionTimeout: 6000,
        heartbeatInterval: 1000,
      })
      consumers.push(consumer)
      return consumer
    },
    { group, topics: [topic], handler: async (r) => void seen.push(JSON.parse(r.value).i) },
  )
  await sub.start()
  try {
    await bus.publish([record(topic, 1)])
    await eventually(() => seen.includes(1), 20_000, 'the first record')
    // What @platformatic/kafka does when a rejoin after an eviction fails: an 'error' event on the
    // consumer. With no listener, emit throws it, and in the client's callback that is fatal.
    expect(() => consumers[0]?.emit('error', new Error('joinGroup failed 4 times'))).not.toThrow()
    await eventually(() => consumers.length >= 2, 20_000, 'a fresh member')
    await bus.publish([record(topic, 2)])
    await eventually(() => seen.includes(2), 30_000, 'the record after the error')
    expect(seen).toEqual([1, 2])
  } finally {
    await sub.close()
    await bus.deleteGroup(group).catch(() => {})
  }
})
