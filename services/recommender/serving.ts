// One way to answer "what should this shopper see": the strategy they asked for, else their
// variant's in the running experiment (reported as an exposure), else the default; the products
// shown are remembered for the online figures, and the ask is logged.
import type { Assignment, ExperimentRegistry } from './experiments/registry.ts'
import { chooseStrategy } from './experiments/registry.ts'
import type { Strategy } from './models/types.ts'
import type { RecommendationAnswer, Recommender } from './recommender.ts'
import type { RequestLog } from './request-log.ts'

export interface ServeRequest {
  userId: string
  /** Named by the caller; otherwise the experiment or the default decides. */
  strategy?: Strategy
  limit: number
  channel: 'api' | 'stream' | 'panel'
  /**
   * Whether this is an ask (logged, and the products counted as shown), or a stream re-rendering
   * the same ask because the models changed (counted as shown only).
   */
  logged?: boolean
}

export interface Served {
  answer: RecommendationAnswer
  /** The experiment's variant that chose the strategy, or null. */
  assignment: Assignment | null
}

export interface ServingOptions {
  recommender: Recommender
  experiments: ExperimentRegistry | null
  defaultStrategy: Strategy
  requestLog: RequestLog | null
}

/** Shoppers whose last answer is remembered (to count a reused one as shown once), at most. */
const REMEMBERED_SHOPPERS = 50_000

export class RecommendationServing {
  readonly #opts: ServingOptions
  readonly #lastShown = new Map<string, RecommendationAnswer>()

  constructor(opts: ServingOptions) {
    this.#opts = opts
  }

  get recommender(): Recommender {
    return this.#opts.recommender
  }

  serve(request: ServeRequest): Served {
    const started = performance.now()
    const { recommender, experiments, defaultStrategy, requestLog } = this.#opts
    const { userId, limit } = request
    const { strategy, assignment } = chooseStrategy(
      experiments,
      userId,
      request.strategy,
      defaultStrategy,
    )
    if (assignment) experiments?.exposed(userId, assignment)
    const answer = recommender.recommend(userId, strategy, limit)
    const productIds = answer.items.map((i) => i.productId)
    // The same answer again (reused, not recomputed) shows the shopper nothing new.
    if (this.#lastShown.get(userId) !== answer) {
      this.#lastShown.delete(userId)
      this.#lastShown.set(userId, answer)
      if (this.#lastShown.size > REMEMBERED_SHOPPERS) {
        this.#lastShown.delete(this.#lastShown.keys().next().value as string)
      }
      recommender.quality.shown(userId, productIds)
    }
    if (request.logged !== false) {
      requestLog?.record({
        userId,
        strategy,
        limit,
        channel: request.channel,
        experimentId: assignment?.experimentId ?? null,
        variant: assignment?.variant ?? null,
        productIds,
        coldStart: answer.coldStart,
        durationMs: performance.now() - started,
        at: Date.now(),
      })
    }
    return { answer, assignment }
  }
}
