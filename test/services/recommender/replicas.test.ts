// Two `bun services/recommender/main.ts` processes in one consumer group: they split user-events'
// partitions, answer the same for the same shopper, and only a shopper's owner announces their
// recommendations on `recommendations`.
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../../shared/broker/local-kafka.ts'
import { javaPartition } from '../../../shared/bus/kafka-produce.ts'
import { createEvent, toRecord } from '../../../shared/events/envelope.ts'
import { eventually, kafkaBus, testBrokers, unique } from '../../helpers/broker.ts'
import { productCreated } from '../../helpers/events.ts'
import { Processes } from '../../helpers/process.ts'
import { readTopicSince } from '../../helpers/shop.ts'

const processes = new Processes()
const dir = mkdtempSync(join(tmpdir(), 'streamshop-recommenders-'))
const bus = kafkaBus()

afterAll(async () => {
  await processes.stopAll()
  await bus.close()
  rmSync(dir, { recursive: true, force: true })
})

interface Live {
  caughtUp: boolean
  consumers: { replica: string; ownedPartitions: number[] }
}

async function live(base: string): Promise<Live> {
  const res = await fetch(`${base}/api/recommendations/metrics/live`, {
    signal: AbortSignal.timeout(5000),
  })
  return ((await res.json()) as { data: Live }).data
}

test('two replicas split the shoppers, agree on every answer, and only the owner announces', async () => {
  const startedAt = Date.now()
  const env = {
    KAFKA_BROKERS: testBrokers().join(','),
    DATABASE_URL: `file:${join(dir, 'shop.db')}`,
    RECOMMENDER_REPLAY_FROM: new Date(startedAt).toISOString(),
    OUTBOX_POLL_MS: '20',
  }
  const bases: string[] = []
  for (let i = 0; i < 2; i++) {
    const port = await freePort()
    processes.spawn(['bun', 'services/recommender/main.ts'], { ...env, PORT: String(port) })
    bases.push(`http://127.0.0.1:${port}`)
  }
  // Both joined, and the group's partitions are split between them, each owned once.
  const owned = await eventually(
    async () => {
      const views = await Promise.all(bases.map(live))
      const all = views.flatMap((v) => v.consumers.ownedPartitions).sort()
      const split = views.every((v) => v.caughtUp && v.consumers.ownedPartitions.length > 0)
      return split && all.join(',') === '0,1,2' ? views : undefined
    },
    60_000,
    'both replicas to own part of user-events',
  )

  const products = Array.from({ length: 6 }, (_, i) => unique(`p${i}`))
  const shoppers = Array.from({ length: 8 }, () => unique('shopper'))
  const events = [
    ...products.map((productId, i) =>
      productCreated(productId, { name: `Product ${i}`, categoryId: i < 3 ? 'left' : 'right' }),
    ),
    ...shoppers.flatMap((userId, i) =>
      [0, 1].map((k) =>
        createEvent(
          'product.viewed',
          { userId, productId: products[(i + k) % 6] as string, metadata: {} },
          { source: '/test' },
        ),
      ),
    ),
  ]
  await bus.publish(events.map(toRecord))

  // Either replica answers any shopper, and the same.
  for (const userId of shoppers) {
    const answers = await eventually(
      async () => {
        const bodies = await Promise.all(
          bases.map(async (b) => {
            const res = await fetch(`${b}/api/recommendations/${userId}?strategy=item-item`, {
              signal: AbortSignal.timeout(5000),
            })
            return (await res.json()) as {
              data: { productId: string }[]
              metadata: { coldStart: boolean }
            }
          }),
        )
        const ids = bodies.map((b) => b.data.map((d) => d.productId).join(','))
        return bodies.every((b) => !b.metadata.coldStart) && ids[0] === ids[1] ? ids : undefined
      },
      30_000,
      `both replicas to answer the same for ${userId}`,
    )
    expect(answers[0]?.length).toBeGreaterThan(0)
  }

  // Each shopper's announcements come from the replica owning their partition, never the other.
  const ownerOf = (userId: string) =>
    owned.find((v) => v.consumers.ownedPartitions.includes(javaPartition(userId, 3)))?.consumers
      .replica
  const announced = await readTopicSince(bus, 'recommendations', startedAt, (records) =>
    shoppers.every((u) => records.some((r) => r.key === u)),
  )
  for (const record of announced.filter((r) => shoppers.includes(r.key ?? ''))) {
    const data = JSON.parse(record.value) as { userId: string; metadata: { replica: string } }
    expect(data.metadata.replica).toBe(ownerOf(data.userId) as string)
  }
}, 120_000)
