// Quality: `bun run eval`'s protocol on the tests' synthetic MovieLens data with planted clusters
// (test/helpers/movielens.ts), every strategy's NDCG@10 against popularity's, and the naive
// baseline's (co-occurrence recomputed from every training rating) scored by the same protocol.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Dataset, loadDataset } from '../services/recommender/eval/dataset.ts'
import { evaluate } from '../services/recommender/eval/evaluate.ts'
import { K, MetricsAccumulator, temporalSplit } from '../services/recommender/eval/protocol.ts'
import type { Strategy } from '../services/recommender/models/types.ts'
import { type MovieLensOptions, writeMovieLens } from '../test/helpers/movielens.ts'
import { NaiveRecommender } from './recs-naive.ts'

/** The strategies that learn something about the shopper; each must beat popularity by 20%. */
export const PERSONALISED: Strategy[] = ['item-item', 'content', 'session', 'ease', 'hybrid']
export const QUALITY_RATIO = 1.2

export type PlantedData = Omit<MovieLensOptions, 'seed' | 'format'>

export interface QualityRun {
  seed: number
  ratings: number
  /** NDCG@10 per strategy, and `naive` for the baseline. */
  ndcg: Record<string, number>
}

/** The naive baseline by the protocol of services/recommender/eval/protocol.ts. */
function naiveNdcg(dataset: Dataset): number {
  const { user, item, rating, at, userIds, itemIds } = dataset
  const splits = temporalSplit(dataset)
  const train = splits.flatMap((s) => s.train)
  train.sort((a, b) => (at[a] as number) - (at[b] as number) || a - b)
  const naive = new NaiveRecommender()
  for (const i of train) {
    naive.observe({
      userId: userIds[user[i] as number] as string,
      itemId: itemIds[item[i] as number] as string,
      kind: 'rating',
      rating: rating[i] as number,
      at: at[i] as number,
    })
  }
  const scores = new MetricsAccumulator(K)
  for (const split of splits.filter((s) => s.test.length > 0)) {
    const relevant = new Set(split.test.map((i) => itemIds[item[i] as number] as string))
    const ranked = naive.rank(userIds[split.user] as string, K).map(([id]) => id)
    scores.add(ranked, relevant)
  }
  return scores.result(itemIds.length).ndcg
}

/** Generates the planted data for each seed, evaluates, and removes the files. */
export function measureQuality(data: PlantedData, seeds: number[]): QualityRun[] {
  const dir = mkdtempSync(join(tmpdir(), 'streamshop-bench-recs-quality-'))
  try {
    return seeds.map((seed) => {
      const files = writeMovieLens(join(dir, String(seed)), {
        ...data,
        format: 'ratings.csv',
        seed,
      })
      const dataset = loadDataset(files.ratings)
      const evaluation = evaluate(dataset)
      const ndcg: Record<string, number> = {}
      for (const s of evaluation.strategies) ndcg[s.name] = s['ndcg@10']
      ndcg.naive = naiveNdcg(dataset)
      return { seed, ratings: evaluation.data.ratings, ndcg }
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
