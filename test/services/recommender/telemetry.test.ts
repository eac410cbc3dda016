// What the recommender reports about itself: the request log on recommendation-requests and
// -responses, model figures on model-metrics, and the online click-through rate and precision.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { hostname } from 'node:os'
import type { Product } from '../../../services/catalog/index.ts'
import {
  ENGAGEMENT_WINDOW_MS,
  OnlineQuality,
} from '../../../services/recommender/online-quality.ts'
import { eventually, unique } from '../../helpers/broker.ts'
import { readTopicSince, startSeededShop, type TestShop } from '../../helpers/shop.ts'

describe('online quality', () => {
  test('counts each shown product once, a later click as click-through, any engagement as a hit', () => {
    const quality = new OnlineQuality()
    const t = 1_000_000
    quality.shown('u', ['a', 'b', 'c', 'd'], t)
    quality.shown('u', ['a', 'b'], t + 1000) // the same panel again: not new recommendations
    quality.interacted('u', 'a', 'recommendation_click', t + 2000)
    quality.interacted('u', 'a', 'purchase', t + 3000) // a is engaged once
    quality.interacted('u', 'b', 'cart', t + 2000)
    quality.interacted('u', 'c', 'view', t - 1) // before it was shown: not because of it
    quality.interacted('u', 'd', 'view', t + ENGAGEMENT_WINDOW_MS + 1) // too late
    quality.interacted('v', 'a', 'recommendation_click', t + 2000) // shown to someone else
    expect(quality.snapshot()).toEqual({
      shown: 4,
      clicked: 1,
      engaged: 2,
      ctr: 0.25,
      precision: 0.5,
    })
    // Shown again after the window, it is a new recommendation.
    quality.shown('u', ['d'], t + ENGAGEMENT_WINDOW_MS + 2)
    expect(quality.snapshot().shown).toBe(5)
  })
})

describe('the recommender reports on the log', () => {
  let shop: TestShop
  let products: Product[]
  const startedAt = Date.now()

  beforeAll(async () => {
    ;({ shop, products } = await startSeededShop(
      { RECOMMENDER_METRICS_INTERVAL_MS: '200', RECOMMENDER_EXPERIMENTS: '[]' },
      10,
    ))
    // Some shoppers' views, so that popular has something to say.
    const events = products
      .slice(0, 5)
      .flatMap((p) =>
        ['x', 'y'].map((u) => ({ type: 'product_view', userId: unique(u), productId: p.id })),
      )
    expect((await shop.post('/api/events', { events })).status).toBe(202)
    await eventually(
      async () => {
        const res = await shop.app.request(
          `/api/recommendations/${unique('probe')}?strategy=popular&limit=4`,
        )
        return ((await res.json()) as { data: unknown[] }).data.length >= 4
      },
      30_000,
      'popular to know the viewed products',
    )
  })

  afterAll(() => shop.close())

  test('each ask and its answer go to recommendation-requests and -responses, under one request id', async () => {
    const me = unique('asker')
    const res = await shop.app.request(`/api/recommendations/${me}?limit=3&strategy=popular`)
    const answer = (await res.json()) as { data: { productId: string }[] }
    expect(answer.data).toHaveLength(3)
    const [requests, responses] = await Promise.all(
      ['recommendation-requests', 'recommendation-responses'].map((topic) =>
        readTopicSince(shop.platform.bus, topic, startedAt, (rs) => rs.some((r) => r.key === me)),
      ),
    )
    const request = JSON.parse(requests?.find((r) => r.key === me)?.value ?? '{}')
    const response = JSON.parse(responses?.find((r) => r.key === me)?.value ?? '{}')
    expect(request).toMatchObject({
      userId: me,
      strategy: 'popular',
      limit: 3,
      channel: 'api',
      experimentId: null,
      variant: null,
    })
    expect(response).toMatchObject({
      requestId: request.requestId,
      userId: me,
      strategy: 'popular',
      productIds: answer.data.map((d) => d.productId),
      coldStart: true,
    })
    expect(response.durationMs).toBeGreaterThanOrEqual(0)
  })

  test('a click on a shown recommendation moves the online CTR, and model-metrics carries it', async () => {
    const me = unique('clicker')
    const res = await shop.app.request(`/api/recommendations/${me}?limit=4&strategy=popular`)
    const [first] = ((await res.json()) as { data: { productId: string }[] }).data
    expect(first).toBeDefined()
    const click = { type: 'recommendation.clicked', userId: me, productId: first?.productId }
    expect((await shop.post('/api/events', { events: [click] })).status).toBe(202)

    const live = await eventually(
      async () => {
        const res = await shop.app.request('/api/recommendations/metrics/live')
        const { data } = (await res.json()) as {
          data: { online: { clicked: number; ctr: number | null; precision: number | null } }
        }
        return data.online.clicked >= 1 ? data.online : undefined
      },
      30_000,
      'the click to count in the online figures',
    )
    expect(live.ctr).toBeGreaterThan(0)
    expect(live.precision).toBeGreaterThanOrEqual(live.ctr as number)

    const replica = `${hostname()}/${process.pid}`
    const reports = await readTopicSince(shop.platform.bus, 'model-metrics', startedAt, (rs) =>
      rs.some((r) => r.key === replica && JSON.parse(r.value).ctr > 0),
    )
    const report = JSON.parse(
      reports.filter((r) => r.key === replica && JSON.parse(r.value).ctr > 0).at(-1)?.value ?? '{}',
    )
    expect(report).toMatchObject({ replica, caughtUp: true, trainingRuns: expect.any(Number) })
    expect(report.shown).toBeGreaterThanOrEqual(4)
    expect(report.eventsApplied).toBeGreaterThan(0)
    expect(report.updateMs).toBeGreaterThan(0)
  })
})
