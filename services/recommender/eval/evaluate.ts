// Runs the protocol against the real engine: a fresh RecommenderEngine learns the train ratings in
// time order, trains once, and every strategy ranks items for every tested user.
import { RecommenderEngine } from '../models/engine.ts'
import { type ItemInfo, STRATEGIES, type Strategy, type TrainReport } from '../models/types.ts'
import type { Dataset, RatingsFormat } from './dataset.ts'
import { K, MetricsAccumulator, PROTOCOL, temporalSplit } from './protocol.ts'

export type EvaluationPhase = 'observing' | 'training' | 'evaluating'

/** Where a run is: `done` of `total` steps of `phase` (ratings, the one training run, rankings). */
export interface EvaluationProgress {
  phase: EvaluationPhase
  done: number
  total: number
}

export interface EvaluateOptions {
  /** The strategies to score, in this order; every one when absent. `popular` is always scored. */
  strategies?: readonly Strategy[]
  /** Called at each phase's start and end and about every 1% between. */
  onProgress?: (progress: EvaluationProgress) => void
}

/** One strategy's numbers; the key names are those of `bun run eval --json`. */
export interface StrategyResult {
  name: Strategy
  'precision@10': number
  'recall@10': number
  'ndcg@10': number
  coverage: number
  /** Milliseconds the strategy's model spent learning (observing and training). */
  trainMs: number
  /** NDCG@10 over `popular`'s; null when popular's is 0. */
  vsPopular: number | null
}

export interface Evaluation {
  protocol: string
  data: {
    path: string
    format: RatingsFormat
    itemsPath: string | null
    ratings: number
    users: number
    items: number
  }
  usersEvaluated: number
  interactions: { train: number; test: number }
  train: TrainReport
  strategies: StrategyResult[]
}

/** Reports `done` of `total` at most ~100 times, always including the first and last step. */
function throttled(
  phase: EvaluationPhase,
  total: number,
  onProgress: ((p: EvaluationProgress) => void) | undefined,
) {
  const step = Math.max(1, Math.floor(total / 100))
  return (done: number) => {
    if (onProgress && (done === 0 || done === total || done % step === 0)) {
      onProgress({ phase, done, total })
    }
  }
}

/**
 * The catalogue the engine is given: every rated item, with its movie's name and genres when the
 * dataset had a movies file. Movies nobody rated stay out, so coverage has one denominator.
 */
function ratedItems(dataset: Dataset): ItemInfo[] {
  const movies = new Map(dataset.items.map((m) => [m.id, m]))
  return dataset.itemIds.map((id) => movies.get(id) ?? { id, name: `Item ${id}` })
}

/**
 * Evaluates the engine's strategies on `dataset` by the protocol in PROTOCOL.
 * @example const { strategies } = evaluate(loadDataset('ml-latest-small/ratings.csv'))
 */
export function evaluate(dataset: Dataset, options: EvaluateOptions = {}): Evaluation {
  const wanted = options.strategies ?? STRATEGIES
  const strategies: Strategy[] = wanted.includes('popular') ? [...wanted] : ['popular', ...wanted]
  const { user, item, rating, at, userIds, itemIds } = dataset
  const splits = temporalSplit(dataset)

  const train = splits.flatMap((s) => s.train)
  // Ties in time keep file order, as within each user's split.
  train.sort((a, b) => (at[a] as number) - (at[b] as number) || a - b)
  const engine = new RecommenderEngine()
  for (const info of ratedItems(dataset)) engine.upsertItem(info)
  const observed = throttled('observing', train.length, options.onProgress)
  observed(0)
  train.forEach((i, n) => {
    engine.observe({
      userId: userIds[user[i] as number] as string,
      itemId: itemIds[item[i] as number] as string,
      kind: 'rating',
      rating: rating[i] as number,
      at: at[i] as number,
    })
    observed(n + 1)
  })
  const trained = throttled('training', 1, options.onProgress)
  trained(0)
  const report = engine.train()
  trained(1)
  const timings = engine.timings()

  const tested = splits.filter((s) => s.test.length > 0)
  const scores = new Map(strategies.map((s) => [s, new MetricsAccumulator(K)]))
  const ranked = throttled('evaluating', tested.length * strategies.length, options.onProgress)
  let rankings = 0
  ranked(0)
  for (const split of tested) {
    const userId = userIds[split.user] as string
    const exclude = new Set(split.train.map((i) => itemIds[item[i] as number] as string))
    const relevant = new Set(split.test.map((i) => itemIds[item[i] as number] as string))
    // The moment the user came back: what each strategy would have shown them then.
    const now = at[split.test[0] as number] as number
    for (const strategy of strategies) {
      const { items } = engine.recommend(userId, { strategy, limit: K, exclude, now })
      scores.get(strategy)?.add(
        items.map((r) => r.itemId),
        relevant,
      )
      ranked(++rankings)
    }
  }

  const catalogue = itemIds.length
  const results = strategies.map((name) => {
    const m = (scores.get(name) as MetricsAccumulator).result(catalogue)
    return { name, m }
  })
  const popular = results.find((r) => r.name === 'popular')?.m.ndcg ?? 0
  return {
    protocol: PROTOCOL,
    data: {
      path: dataset.path,
      format: dataset.format,
      itemsPath: dataset.itemsPath ?? null,
      ratings: user.length,
      users: userIds.length,
      items: itemIds.length,
    },
    usersEvaluated: tested.length,
    interactions: { train: train.length, test: user.length - train.length },
    train: report,
    strategies: results.map(({ name, m }) => ({
      name,
      'precision@10': m.precision,
      'recall@10': m.recall,
      'ndcg@10': m.ndcg,
      coverage: m.coverage,
      trainMs: timings[name],
      vsPopular: popular > 0 ? m.ndcg / popular : null,
    })),
  }
}
