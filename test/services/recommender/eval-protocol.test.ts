// The offline protocol's split and metrics, against values worked out by hand.
import { describe, expect, test } from 'bun:test'
import {
  MetricsAccumulator,
  scoreRanking,
  temporalSplit,
  testCount,
} from '../../../services/recommender/eval/protocol.ts'

describe('temporalSplit', () => {
  test("holds out each user's latest fifth, rounded up, sorted by time", () => {
    // User 0 rates once; user 1 rates ten times, out of time order in the file.
    const times1 = [50, 10, 100, 20, 90, 30, 40, 95, 60, 70]
    const user = [1, 0, ...times1.slice(1).map(() => 1)]
    const at = [times1[0] as number, 500, ...times1.slice(1)]
    const splits = temporalSplit({ user, at })
    expect(splits).toHaveLength(2)
    expect(splits[0]).toEqual({ user: 0, train: [], test: [1] })
    const u1 = splits[1]
    const time = (i: number) => at[i]
    expect(u1?.test.map(time)).toEqual([95, 100])
    expect(u1?.train.map(time)).toEqual([10, 20, 30, 40, 50, 60, 70, 90])
  })

  test('ties in time keep the file order', () => {
    const splits = temporalSplit({ user: [0, 0, 0, 0, 0], at: [1, 2, 2, 2, 2] })
    expect(splits[0]).toEqual({ user: 0, train: [0, 1, 2, 3], test: [4] })
  })

  test('the test count rounds up, never below one', () => {
    expect([1, 2, 5, 6, 10, 11, 15].map((n) => testCount(n))).toEqual([1, 1, 1, 2, 2, 3, 3])
    expect(testCount(0)).toBe(0)
  })
})

describe('scoreRanking', () => {
  const log2 = Math.log2

  test('precision, recall and NDCG of a ranking with hits at ranks 1 and 3', () => {
    const ranked = ['a', 'x', 'b', 'y', 'z', 'p', 'q', 'r', 's', 't']
    const score = scoreRanking(ranked, new Set(['a', 'b', 'c']))
    expect(score.precision).toBeCloseTo(2 / 10, 12)
    expect(score.recall).toBeCloseTo(2 / 3, 12)
    // DCG = 1/log2(2) + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3) + 1/log2(4).
    expect(score.ndcg).toBeCloseTo(1.5 / (1 + 1 / log2(3) + 0.5), 12)
  })

  test('the ideal DCG counts at most ten hits, and a short list still divides by ten', () => {
    const relevant = new Set(Array.from({ length: 12 }, (_, i) => `r${i}`))
    const score = scoreRanking(['r11'], relevant)
    expect(score.precision).toBe(0.1)
    expect(score.recall).toBeCloseTo(1 / 12, 12)
    let ideal = 0
    for (let i = 0; i < 10; i++) ideal += 1 / log2(i + 2)
    expect(score.ndcg).toBeCloseTo(1 / ideal, 12)
  })

  test('a perfect ranking scores NDCG 1; hits past the tenth and repeats do not count', () => {
    expect(scoreRanking(['a', 'b'], new Set(['a', 'b'])).ndcg).toBe(1)
    const late = [...'xxxxxxxxxx'.split('').map((x, i) => `${x}${i}`), 'a']
    expect(scoreRanking(late, new Set(['a']))).toEqual({ precision: 0, recall: 0, ndcg: 0 })
    expect(scoreRanking(['a', 'a'], new Set(['a'])).precision).toBe(0.1)
  })
})

describe('MetricsAccumulator', () => {
  test('averages over users and measures coverage of the catalogue', () => {
    const m = new MetricsAccumulator()
    m.add(['a', 'b'], new Set(['a'])) // precision 0.1, recall 1, NDCG 1
    m.add(['c', 'a', 'd'], new Set(['d', 'e'])) // precision 0.1, recall 0.5, NDCG (1/2)/(1+1/log2 3)
    const result = m.result(8)
    expect(result.users).toBe(2)
    expect(result.precision).toBeCloseTo(0.1, 12)
    expect(result.recall).toBeCloseTo(0.75, 12)
    expect(result.ndcg).toBeCloseTo((1 + 0.5 / (1 + 1 / Math.log2(3))) / 2, 12)
    // a, b, c, d of 8 items.
    expect(result.coverage).toBe(0.5)
  })
})
