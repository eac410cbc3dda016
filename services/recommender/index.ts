// The recommender's public face: what web/ and other processes may use.

export { STRATEGIES, type Strategy } from './models/types.ts'
export type { RecommendationAnswer, RecommendedProduct, Recommender } from './recommender.ts'
export { alsoBoughtQuerySchema, recommendationQuerySchema } from './routes.ts'
export { type RunningRecommender, startRecommender } from './service.ts'
