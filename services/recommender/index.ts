// The recommender's public face: what web/ and other processes may use.

export type { Assignment, ExperimentRegistry } from './experiments/registry.ts'
export {
  allExperimentResults,
  experimentResultsById,
  resultsOf,
} from './experiments/reports.ts'
export type { ExperimentResults, VariantResult } from './experiments/results.ts'
export {
  experimentCreateSchema,
  experimentRoutes,
  experimentStatusSchema,
} from './experiments/routes.ts'
export { listExperiments, type StoredExperiment } from './experiments/store.ts'
export { STRATEGIES, type Strategy } from './models/types.ts'
export type { RecommendationAnswer, RecommendedProduct, Recommender } from './recommender.ts'
export { alsoBoughtQuerySchema, recommendationQuerySchema } from './routes.ts'
export { type RunningRecommender, startRecommender } from './service.ts'
export type { RecommendationServing, Served } from './serving.ts'
