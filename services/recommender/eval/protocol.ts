// The offline protocol, as pure functions: which ratings each user is tested on, and how a ranked
// list is scored against them. Kept apart from the engine so every number can be checked by hand.

/** Items ranked per user. */
export const K = 10
/** The share of each user's ratings, latest first, held out as their test set. */
export const TEST_FRACTION = 0.2

/** The protocol in words, printed before the numbers and carried in the JSON. */
export const PROTOCOL = [
  "Temporal split per user: each user's ratings are sorted by time (ties keep file order); the",
  `latest ${TEST_FRACTION * 100}% (rounded up, so at least one) are that user's test set, the rest train.`,
  'The engine learns from every train rating, in time order, and is trained once. Then each',
  `strategy ranks ${K} items for every user with test ratings, never an item that user rated in`,
  "train, at the time of the user's first test rating. Every test item is relevant, whatever its",
  `rating. precision@${K} = hits/${K}; recall@${K} = hits/distinct test items; NDCG@${K} uses binary`,
  `relevance, its ideal DCG over min(test items, ${K}) hits; all three are averaged over users.`,
  'Coverage = distinct items recommended to anyone / distinct items rated in the data.',
  '× popular = NDCG / the NDCG of `popular`, the baseline.',
].join('\n')

/** One user's ratings, by index into the dataset's columns, each list in time order. */
export interface UserSplit {
  user: number
  train: number[]
  test: number[]
}

/** How many of `n` ratings are held out: a fifth, rounded up, so every rated user is tested. */
export function testCount(n: number, fraction = TEST_FRACTION): number {
  return n === 0 ? 0 : Math.max(1, Math.ceil(n * fraction - 1e-9))
}

/**
 * Splits each user's ratings by time: the latest `testCount(n)` are the test set. Users come in
 * order of their number; ties in time keep the input order (the sort is stable).
 * @example temporalSplit({ user: [0, 0], at: [5, 1] }) // [{ user: 0, train: [1], test: [0] }]
 */
export function temporalSplit(
  ratings: { user: ArrayLike<number>; at: ArrayLike<number> },
  fraction = TEST_FRACTION,
): UserSplit[] {
  const byUser: number[][] = []
  for (let i = 0; i < ratings.user.length; i++) {
    const u = ratings.user[i] as number
    const list = byUser[u]
    if (list) list.push(i)
    else byUser[u] = [i]
  }
  const splits: UserSplit[] = []
  byUser.forEach((indexes, user) => {
    indexes.sort((a, b) => (ratings.at[a] as number) - (ratings.at[b] as number))
    const cut = indexes.length - testCount(indexes.length, fraction)
    splits.push({ user, train: indexes.slice(0, cut), test: indexes.slice(cut) })
  })
  return splits
}

export interface RankingScore {
  precision: number
  recall: number
  ndcg: number
}

/** The discount of rank `i` (0-based): 1/log2(i + 2). */
function discount(i: number): number {
  return 1 / Math.log2(i + 2)
}

/**
 * Scores one user's ranking against their relevant items. Only the first `k` count; an item
 * repeated in the ranking counts once.
 */
export function scoreRanking(
  ranked: readonly string[],
  relevant: ReadonlySet<string>,
  k = K,
): RankingScore {
  if (relevant.size === 0)
    throw new Error('scoreRanking: a user with no relevant items is not scored')
  const seen = new Set<string>()
  let hits = 0
  let dcg = 0
  ranked.slice(0, k).forEach((item, i) => {
    if (seen.has(item)) return
    seen.add(item)
    if (!relevant.has(item)) return
    hits++
    dcg += discount(i)
  })
  let idcg = 0
  for (let i = 0; i < Math.min(relevant.size, k); i++) idcg += discount(i)
  return { precision: hits / k, recall: hits / relevant.size, ndcg: dcg / idcg }
}

export interface StrategyMetrics extends RankingScore {
  coverage: number
  users: number
}

/**
 * One strategy's running score over users: the mean of each ranking metric, and the distinct
 * items it recommended, for coverage.
 */
export class MetricsAccumulator {
  readonly #k: number
  readonly #recommended = new Set<string>()
  #users = 0
  #precision = 0
  #recall = 0
  #ndcg = 0

  constructor(k = K) {
    this.#k = k
  }

  add(ranked: readonly string[], relevant: ReadonlySet<string>): void {
    const score = scoreRanking(ranked, relevant, this.#k)
    this.#users++
    this.#precision += score.precision
    this.#recall += score.recall
    this.#ndcg += score.ndcg
    for (const item of ranked.slice(0, this.#k)) this.#recommended.add(item)
  }

  /** The means over the users added, and coverage of a catalogue of `catalogueSize` items. */
  result(catalogueSize: number): StrategyMetrics {
    const n = this.#users || 1
    return {
      users: this.#users,
      precision: this.#precision / n,
      recall: this.#recall / n,
      ndcg: this.#ndcg / n,
      coverage: catalogueSize > 0 ? this.#recommended.size / catalogueSize : 0,
    }
  }
}
