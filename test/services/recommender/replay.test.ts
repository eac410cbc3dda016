// Replay in a running recommender: a request on control-events makes it rebuild its models from a
// time or an offset alongside the live ones and swap them in, answering throughout; what came
// before is forgotten, open streams re-render, and only new events are announced afterwards.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { Recommender } from '../../../services/recommender/recommender.ts'
import {
  RebuildSupersededError,
  ReplayableFollower,
} from '../../../services/recommender/replayable-follower.ts'
import { javaPartition } from '../../../shared/bus/kafka-produce.ts'
import type { ConsumedRecord, EventBus } from '../../../shared/bus/types.ts'
import {
  createEvent,
  type EventEnvelope,
  fromRecord,
  toRecord,
} from '../../../shared/events/envelope.ts'
import type { EventData } from '../../../shared/events/types.ts'
import { eventually, unique } from '../../helpers/broker.ts'
import { productCreated as product, sseMessages } from '../../helpers/events.ts'
import { startTestShop, type TestShop } from '../../helpers/shop.ts'

let shop: TestShop
let bus: EventBus
let replica: string
const products = Array.from({ length: 6 }, (_, i) => unique(`replay-p${i}`))

function productCreated(productId: string, i: number) {
  return product(productId, { name: `Replayed ${i}`, categoryId: i < 3 ? 'left' : 'right' })
}

const view = (userId: string, productId: string) =>
  createEvent('product.viewed', { userId, productId, metadata: {} }, { source: '/test' })

async function publish(events: EventEnvelope[]): Promise<void> {
  await bus.publish(events.map(toRecord))
}

beforeAll(async () => {
  shop = await startTestShop()
  bus = shop.platform.bus
  const res = await shop.app.request('/api/recommendations/metrics/live')
  replica = ((await res.json()) as { data: { consumers: { replica: string } } }).data.consumers
    .replica
  await publish(products.map(productCreated))
  await eventually(
    () => products.every((id) => shop.recommender.recommender.engine.item(id)),
    30_000,
    'the recommender to learn the products',
  )
})

afterAll(() => shop.close())

interface Answer {
  type: string
  data: EventData<'service.replay_completed'> & Partial<EventData<'service.replay_failed'>>
}

/** Asks this test's replica (only: other runs may share the broker) to replay, and waits for its answer. */
async function replay(from: EventData<'service.replay_requested'>['from']): Promise<Answer> {
  const group = unique('reader')
  await bus.seek(group, 'control-events', 'latest')
  const requestId = Bun.randomUUIDv7()
  const answers: Answer[] = []
  const sub = await bus.subscribe({
    group,
    topics: ['control-events'],
    handler: async (record: ConsumedRecord) => {
      const event = fromRecord(record) as unknown as Answer
      if (event.type !== 'service.replay_requested' && event.data.requestId === requestId)
        answers.push(event)
    },
  })
  try {
    const request = createEvent(
      'service.replay_requested',
      { requestId, service: 'recommender', from, replica },
      { source: '/test' },
    )
    await publish([request])
    return await eventually(() => answers[0], 30_000, 'the replica to answer')
  } finally {
    await sub.close()
    await bus.deleteGroup(group).catch(() => {})
  }
}

async function ask(userId: string) {
  const res = await shop.app.request(`/api/recommendations/${userId}?strategy=item-item&limit=3`)
  const body = (await res.json()) as {
    data: { productId: string }[]
    metadata: { coldStart: boolean }
  }
  return { status: res.status, items: body.data?.length ?? 0, coldStart: body.metadata?.coldStart }
}

function openStream(userId: string) {
  const abort = new AbortController()
  const response = Promise.resolve(
    shop.app.request(`/api/recommendations/${userId}/stream?strategy=item-item&limit=3`, {
      signal: abort.signal,
    }),
  )
  const messages = sseMessages(response)
  return {
    next: (): Promise<{ metadata: { coldStart: boolean } }> => messages.next(),
    async close() {
      abort.abort()
      await messages.cancel()
    },
  }
}

test('replaying from a time forgets what came before it, answering throughout, and open streams re-render', async () => {
  const [p0, p1, p2, p3] = products as [string, string, string, string]
  const before = unique('before')
  const after = unique('after')
  await publish([view(before, p0), view(before, p1)])
  await Bun.sleep(20)
  const from = new Date().toISOString()
  await Bun.sleep(20)
  // A crowd after the point, so that the rebuild takes a while and is answered through.
  const crowd = Array.from({ length: 300 }, () => unique('crowd'))
  await publish([
    view(after, p2),
    view(after, p3),
    ...crowd.flatMap((u, i) => [
      view(u, products[i % 6] as string),
      view(u, products[(i + 1) % 6] as string),
    ]),
  ])
  const live = shop.recommender.recommender
  await eventually(
    () => !live.recommend(before, 'item-item', 3).coldStart && live.liveMetrics().users > 300,
    30_000,
    'the live models to learn everyone',
  )
  const stream = openStream(before)
  expect(await stream.next()).toMatchObject({ metadata: { coldStart: false } })

  const seen: {
    before: Awaited<ReturnType<typeof ask>>
    after: Awaited<ReturnType<typeof ask>>
  }[] = []
  let asking = true
  const asker = (async () => {
    while (asking) {
      seen.push({ before: await ask(before), after: await ask(after) })
      await Bun.sleep(1)
    }
  })()
  const answer = await replay({ timestamp: from })
  asking = false
  await asker

  expect(answer).toMatchObject({
    type: 'service.replay_completed',
    data: { replica, service: 'recommender', from: { timestamp: from } },
  })
  expect(answer.data.eventsApplied).toBeGreaterThanOrEqual(602)
  expect(answer.data.products).toBeGreaterThanOrEqual(products.length)
  expect(live.recommend(before, 'item-item', 3).coldStart).toBe(true)
  expect(await ask(after)).toMatchObject({ status: 200, coldStart: false, items: 3 })
  // The matrix model came with them, trained on a worker before the swap (this shop's trainer has
  // not run since it started: nothing had been learned then).
  expect(live.liveMetrics().training).toMatchObject({ model: 'ease' })

  // Every answer while it rebuilt came from whole models: the shopper after the point always had
  // recommendations, and the one before had theirs until the swap, then never again.
  expect(seen.length).toBeGreaterThan(2)
  for (const s of seen) {
    expect(s.after).toEqual({ status: 200, coldStart: false, items: 3 })
    expect(s.before).toMatchObject({ status: 200, items: 3 })
  }
  const firstCold = seen.findIndex((s) => s.before.coldStart)
  expect(firstCold).toBeGreaterThan(0)
  expect(seen.slice(firstCold).every((s) => s.before.coldStart)).toBe(true)

  let update = await stream.next()
  while (!update.metadata.coldStart) update = await stream.next()
  await stream.close()
})

test('replaying from an offset takes it on every partition, or its end where it has fewer records; the catalog is kept', async () => {
  // On user-events' fullest partition: one shopper below the offset, two at or above it. On
  // another, which ends below the offset, a shopper whose events must be forgotten too: Kafka
  // would move a group set past a partition's end back to its earliest record.
  const ends = async () =>
    new Map(
      ((await bus.describeTopics(['user-events']))[0]?.partitions ?? []).map((p) => [
        p.partition,
        p.end,
      ]),
    )
  const before = await ends()
  const fullest = [...before.entries()].sort((a, b) => (a[1] < b[1] ? 1 : -1))[0]?.[0] ?? 0
  const other = (fullest + 1) % 3
  const on = (partition: number, prefix: string) => {
    for (;;) {
      const id = unique(prefix)
      if (javaPartition(id, 3) === partition) return id
    }
  }
  const [p0, p1, p4, p5] = products as [string, string, string, string, string, string]
  const early = on(fullest, 'early')
  const elsewhere = on(other, 'elsewhere')
  const late = on(fullest, 'late')
  const neighbour = on(fullest, 'neighbour')
  // A product made before the offset on product-events; the replay must still know it.
  const extra = unique('replay-extra')
  await publish([
    productCreated(extra, 6),
    view(early, p0),
    view(early, p1),
    view(elsewhere, p0),
    view(elsewhere, p1),
    view(early, p1),
  ])
  const offset = (await ends()).get(fullest) as bigint
  expect((await ends()).get(other) as bigint).toBeLessThan(offset)
  await publish([view(late, p4), view(late, p5), view(neighbour, p4), view(neighbour, extra)])
  const live = shop.recommender.recommender
  await eventually(
    () => [early, elsewhere, late].every((u) => !live.recommend(u, 'item-item', 3).coldStart),
    30_000,
    'the live models to learn every shopper',
  )

  const answer = await replay({ offset: offset.toString() })
  expect(answer).toMatchObject({
    type: 'service.replay_completed',
    data: { replica, from: { offset: offset.toString() } },
  })
  expect(live.recommend(early, 'item-item', 3).coldStart).toBe(true)
  expect(live.recommend(elsewhere, 'item-item', 3).coldStart).toBe(true)
  const kept = live.recommend(late, 'item-item', 10)
  expect(kept.coldStart).toBe(false)
  // The products came before the offset on product-events, and are still known and shown.
  expect(kept.items).toContainEqual(
    expect.objectContaining({ productId: extra, name: 'Replayed 6', reason: expect.any(String) }),
  )
})

test('a newer rebuild supersedes one in progress; replayed events are not announced, new ones are after the swap', async () => {
  const startedAt = Date.now()
  const shopper = unique('followed')
  const recommender = new Recommender()
  const announced: string[] = []
  const follower = await ReplayableFollower.start(bus, recommender, {
    from: startedAt,
    onApplied: (userId) => {
      if (userId) announced.push(userId)
    },
  })
  const firstGroup = follower.group
  try {
    await follower.caughtUp
    await publish([view(shopper, products[0] as string)])
    await eventually(() => announced.includes(shopper), 30_000, 'the live event to be announced')
    announced.length = 0

    const superseded = follower.rebuild({ timestamp: startedAt }, 'older')
    const newer = follower.rebuild({ timestamp: startedAt }, 'newer')
    const error = await superseded.then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(RebuildSupersededError)
    expect((error as RebuildSupersededError).supersededBy).toBe('newer')
    const report = await newer
    expect(report.eventsApplied).toBeGreaterThanOrEqual(1)
    expect(recommender.recommend(shopper, 'item-item', 3).coldStart).toBe(false)
    expect(announced).toEqual([])
    expect(follower.group).not.toBe(firstGroup)
    expect(await bus.listGroups()).not.toContain(firstGroup)

    const newcomer = unique('newcomer')
    await publish([view(newcomer, products[1] as string)])
    await eventually(() => announced.includes(newcomer), 30_000, 'a new event to be announced')
    expect(recommender.recommend(newcomer, 'item-item', 3).coldStart).toBe(false)
  } finally {
    await follower.close()
  }
  expect(await bus.listGroups()).not.toContain(follower.group)
})

test('closing during a rebuild abandons it and leaves the live models as they were', async () => {
  const recommender = new Recommender()
  const follower = await ReplayableFollower.start(bus, recommender, { from: Date.now() })
  await follower.caughtUp
  const rebuilding = follower.rebuild({ offset: 0n }, 'abandoned').then(
    () => null,
    (e: unknown) => e,
  )
  await follower.close()
  expect(String(await rebuilding)).toContain('stopping')
  await expect(follower.rebuild({ offset: 0n }, 'too-late')).rejects.toThrow('stopping')
})
