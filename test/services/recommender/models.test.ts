// Each model's behaviour on data where the right answer is known.
import { describe, expect, test } from 'bun:test'
import { EaseModel, invertSymmetricPositive } from '../../../services/recommender/models/ease.ts'
import { RecommenderEngine } from '../../../services/recommender/models/engine.ts'
import {
  type Interaction,
  STRATEGIES,
  type Strategy,
} from '../../../services/recommender/models/types.ts'
import { plantedInteractions } from '../../helpers/planted.ts'

const HOUR = 3_600_000
const T0 = Date.UTC(2026, 5, 1)

function engineWith(items: { id: string; category?: string }[]): RecommenderEngine {
  const engine = new RecommenderEngine()
  for (const item of items) {
    engine.upsertItem({
      id: item.id,
      name: `Name of ${item.id}`,
      category: item.category,
      categoryName: item.category ? `Cat ${item.category}` : undefined,
    })
  }
  return engine
}

const ids = (engine: RecommenderEngine, user: string, strategy: Strategy, limit = 5) =>
  engine.recommend(user, { strategy, limit }).items.map((r) => r.itemId)

function act(
  engine: RecommenderEngine,
  userId: string,
  itemId: string,
  kind: Interaction['kind'],
  at = T0,
) {
  engine.observe({ userId, itemId, kind, at })
}

describe('popularity and trending', () => {
  test('popularity decays: fewer recent events outrank many old ones', () => {
    const engine = engineWith([{ id: 'old' }, { id: 'new' }])
    for (let i = 0; i < 10; i++) act(engine, `a${i}`, 'old', 'view', T0)
    for (let i = 0; i < 4; i++) act(engine, `b${i}`, 'new', 'view', T0 + 60 * 24 * HOUR)
    expect(ids(engine, 'nobody', 'popular')).toEqual(['new', 'old'])
    // At the time of the old events, the old item led.
    const then = engine.recommend('nobody', { strategy: 'popular', limit: 2, now: T0 })
    expect(then.items[0]?.itemId).toBe('old')
  })

  test('trending is a burst against the usual rate, not a large steady count', () => {
    const engine = engineWith([{ id: 'steady' }, { id: 'burst' }])
    for (let h = 0; h < 48; h++) {
      for (let i = 0; i < 5; i++) act(engine, `s${h}-${i}`, 'steady', 'view', T0 + h * HOUR)
    }
    for (let i = 0; i < 8; i++) act(engine, `b${i}`, 'burst', 'view', T0 + 47 * HOUR + i * 60_000)
    const trending = engine.recommend('nobody', { strategy: 'trending', limit: 2 }).items
    expect(trending[0]).toMatchObject({ itemId: 'burst', reason: 'trending' })
  })
})

describe('item-item', () => {
  test('items engaged with by the same users are neighbours, purchases weighing more than views', () => {
    const engine = engineWith([
      { id: 'x' },
      { id: 'viewed-with-x' },
      { id: 'bought-with-x' },
      { id: 'me' },
    ])
    for (let u = 0; u < 5; u++) {
      act(engine, `v${u}`, 'x', 'view')
      act(engine, `v${u}`, 'viewed-with-x', 'view')
      act(engine, `p${u}`, 'x', 'purchase')
      act(engine, `p${u}`, 'bought-with-x', 'purchase')
    }
    act(engine, 'me', 'x', 'view')
    const recs = engine.recommend('me', { strategy: 'item-item', limit: 2 }).items
    expect(recs.map((r) => r.itemId)).toEqual(['bought-with-x', 'viewed-with-x'])
    expect(recs[0]?.reason).toBe('because you viewed Name of x')
    expect(engine.alsoBought('x', 1)[0]).toMatchObject({ itemId: 'bought-with-x' })
  })

  test('what a user bought is never recommended to them', () => {
    const engine = engineWith([{ id: 'a' }, { id: 'b' }, { id: 'c' }])
    for (let u = 0; u < 3; u++) {
      for (const item of ['a', 'b', 'c']) act(engine, `u${u}`, item, 'purchase')
    }
    act(engine, 'me', 'a', 'purchase')
    act(engine, 'me', 'b', 'purchase')
    for (const strategy of STRATEGIES) {
      const recs = ids(engine, 'me', strategy)
      expect(recs).not.toContain('a')
      expect(recs).not.toContain('b')
    }
  })

  test('ratings are centred per user: a generous rater’s 3 counts for less than a harsh one’s', () => {
    const engine = engineWith([{ id: 'seed' }, { id: 'low' }, { id: 'high' }, { id: 'me' }])
    const rate = (user: string, item: string, rating: number) =>
      engine.observe({ userId: user, itemId: item, kind: 'rating', rating, at: T0 })
    rate('generous', 'seed', 5)
    rate('generous', 'low', 3)
    rate('harsh', 'seed', 1)
    rate('harsh', 'high', 3)
    rate('me', 'seed', 4)
    expect(ids(engine, 'me', 'item-item', 2)).toEqual(['high', 'low'])
  })
})

describe('content and session', () => {
  test('content: items of the categories a user engages with, the reason naming the category', () => {
    const engine = engineWith([
      { id: 'tent', category: 'outdoor' },
      { id: 'stove', category: 'outdoor' },
      { id: 'lamp', category: 'home' },
    ])
    act(engine, 'someone', 'lamp', 'purchase')
    act(engine, 'me', 'tent', 'view')
    const recs = engine.recommend('me', { strategy: 'content', limit: 1 }).items
    expect(recs[0]).toMatchObject({ itemId: 'stove', reason: 'because you like Cat outdoor' })
  })

  test('session: the last thing viewed leads, whatever came before', () => {
    const engine = engineWith(['a', 'a2', 'b', 'b2'].map((id) => ({ id })))
    for (let u = 0; u < 4; u++) {
      act(engine, `x${u}`, 'a', 'view')
      act(engine, `x${u}`, 'a2', 'view')
      act(engine, `y${u}`, 'b', 'view')
      act(engine, `y${u}`, 'b2', 'view')
    }
    act(engine, 'me', 'a', 'cart', T0)
    act(engine, 'me', 'b', 'view', T0 + 1000)
    const recs = engine.recommend('me', { strategy: 'session', limit: 2 }).items
    expect(recs[0]).toMatchObject({ itemId: 'b2', reason: 'because you just viewed Name of b' })
  })

  test('cold start: popular in the categories the user touched, else popular, flagged as such', () => {
    const engine = engineWith([
      { id: 'tent', category: 'outdoor' },
      { id: 'lamp', category: 'home' },
      { id: 'sofa', category: 'home' },
    ])
    for (let u = 0; u < 3; u++) act(engine, `u${u}`, 'lamp', 'view')
    act(engine, 'u9', 'tent', 'view')
    const stranger = engine.recommend('stranger', { strategy: 'hybrid', limit: 1 })
    expect(stranger).toMatchObject({
      coldStart: true,
      items: [{ itemId: 'lamp', reason: 'popular in Cat home' }],
    })
    engine.touchCategory('browser', 'outdoor')
    expect(ids(engine, 'browser', 'hybrid', 1)).toEqual(['tent'])
  })
})

test('memory is bounded: past maxUsers the least recently active shopper is forgotten', () => {
  const engine = new RecommenderEngine({ maxUsers: 2 })
  for (const id of ['a', 'b']) engine.upsertItem({ id, name: id })
  act(engine, 'first', 'a', 'view')
  act(engine, 'second', 'a', 'view')
  act(engine, 'first', 'b', 'view')
  act(engine, 'third', 'b', 'view')
  // 'second' was the least recently active: forgotten, a cold start now; 'first' is kept.
  expect(engine.stats().users).toBe(2)
  expect(engine.recommend('second', { strategy: 'item-item', limit: 1 }).coldStart).toBe(true)
  expect(engine.recommend('first', { strategy: 'item-item', limit: 1 }).coldStart).toBe(false)
})

describe('EASE', () => {
  test('the inverse is exact on a small matrix', () => {
    const a = new Float64Array([4, 2, 0, 2, 5, 1, 0, 1, 3])
    const inv = invertSymmetricPositive(a.slice(), 3)
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0
        for (let k = 0; k < 3; k++) s += (a[i * 3 + k] as number) * (inv[k * 3 + j] as number)
        expect(s).toBeCloseTo(i === j ? 1 : 0, 10)
      }
    }
  })

  test('learns which items go together, and a new model replaces the old between two requests', () => {
    const engine = engineWith(['a', 'b', 'c', 'd'].map((id) => ({ id })))
    for (let u = 0; u < 20; u++) {
      act(engine, `ab${u}`, 'a', 'view')
      act(engine, `ab${u}`, 'b', 'view')
      act(engine, `cd${u}`, 'c', 'view')
      act(engine, `cd${u}`, 'd', 'view')
    }
    act(engine, 'me', 'c', 'view')
    const report = engine.train()
    expect(report).toMatchObject({ model: 'ease', items: 4, users: 41 })
    expect(report.bytes).toBe(4 * 4 * 4)
    expect(ids(engine, 'me', 'ease', 1)).toEqual(['d'])

    // Retrained elsewhere on other data and swapped in: the next request uses it.
    const { model, report: next } = EaseModel.fit([['c', 'a'], ['c', 'a'], ['c', 'a'], ['b']])
    engine.useEase(model, next)
    expect(ids(engine, 'me', 'ease', 1)).toEqual(['a'])
  })

  test('chooses its regularisation on the training data, and that predicts unseen items better than a fixed one', () => {
    const { interactions } = plantedInteractions({
      users: 400,
      items: 300,
      clusters: 10,
      perUser: 30,
      seed: 11,
    })
    // Per user, in time order: the latest 20% are never seen in training.
    const byUser = Map.groupBy(
      [...interactions].sort((a, b) => a.at - b.at),
      (i) => i.userId,
    )
    const train: string[][] = []
    const test: { seen: string[]; relevant: Set<string> }[] = []
    for (const list of byUser.values()) {
      const items = [...new Set(list.map((i) => i.itemId))]
      const cut = Math.floor(items.length * 0.8)
      train.push(items.slice(0, cut))
      test.push({ seen: items.slice(0, cut), relevant: new Set(items.slice(cut)) })
    }
    const ndcg = (model: EaseModel) => {
      let total = 0
      for (const { seen, relevant } of test) {
        const exclude = new Set(seen)
        const ranked = [...model.score(seen)]
          .filter(([id]) => !exclude.has(id))
          .sort((a, b) => b[1].score - a[1].score)
          .slice(0, 10)
        let dcg = 0
        ranked.forEach(([id], i) => {
          if (relevant.has(id)) dcg += 1 / Math.log2(i + 2)
        })
        let ideal = 0
        for (let i = 0; i < Math.min(10, relevant.size); i++) ideal += 1 / Math.log2(i + 2)
        total += ideal > 0 ? dcg / ideal : 0
      }
      return total / test.length
    }
    const chosen = EaseModel.fit(train)
    const base = chosen.report.interactions / chosen.report.items
    // One of the candidates, as multiples of the mean item count.
    const scales = [0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128]
    expect(scales.map((k) => k * base)).toContainEqual(chosen.report.lambda)
    const fixed = EaseModel.fit(train, { lambda: base })
    expect(fixed.report.lambda).toBe(base)
    expect(ndcg(chosen.model)).toBeGreaterThanOrEqual(ndcg(fixed.model))
  })
})

describe('on planted clusters', () => {
  // Per user: the latest 20% of interactions are the test set; NDCG@10, binary relevance.
  function ndcgByStrategy(seed: number): Record<Strategy, number> {
    const { interactions } = plantedInteractions({
      users: 300,
      items: 200,
      clusters: 8,
      perUser: 30,
      seed,
    })
    const engine = engineWith(
      Array.from({ length: 200 }, (_, i) => ({ id: `i${i}`, category: `c${i % 8}` })),
    )
    const byUser = Map.groupBy(interactions, (i) => i.userId)
    const test = new Map<string, Set<string>>()
    const train = new Map<string, Set<string>>()
    for (const [user, list] of byUser) {
      const cut = list.length - Math.max(1, Math.ceil(list.length * 0.2))
      for (const i of list.slice(0, cut)) engine.observe({ ...i, kind: 'rating' })
      train.set(user, new Set(list.slice(0, cut).map((i) => i.itemId)))
      test.set(user, new Set(list.slice(cut).map((i) => i.itemId)))
    }
    engine.train()
    const result = {} as Record<Strategy, number>
    for (const strategy of STRATEGIES) {
      let sum = 0
      for (const [user, relevant] of test) {
        const recs = engine.recommend(user, { strategy, limit: 10, exclude: train.get(user) }).items
        let dcg = 0
        recs.forEach((r, k) => {
          if (relevant.has(r.itemId)) dcg += 1 / Math.log2(k + 2)
        })
        let ideal = 0
        for (let k = 0; k < Math.min(10, relevant.size); k++) ideal += 1 / Math.log2(k + 2)
        sum += dcg / ideal
      }
      result[strategy] = sum / test.size
    }
    return result
  }

  test.each([1, 2, 3])(
    'every personalised strategy beats popularity by at least 20%% (seed %i)',
    (seed) => {
      const ndcg = ndcgByStrategy(seed)
      for (const strategy of ['item-item', 'content', 'session', 'ease', 'hybrid'] as Strategy[]) {
        expect(ndcg[strategy]).toBeGreaterThan(ndcg.popular * 1.2)
      }
    },
  )
})
