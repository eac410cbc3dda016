// EASE (Steck, 2019): a linear item-item model with a closed-form solution. B = I − P·diag(1/diag P)
// with P = (XᵀX + λI)⁻¹ over the users × items matrix X, zero diagonal; a user's score for j is
// Σ over their items i of B[i][j]. It is retrained in the background and swapped in whole.
import { addScore, type Scores } from './top-k.ts'
import type { TrainReport } from './types.ts'

export interface EaseOptions {
  /** Only the most interacted-with items are modelled: the inverse costs items³. */
  maxItems?: number
  /** The regularisation; by default chosen on the data itself (see `chooseLambda`). */
  lambda?: number
}

/**
 * Regularisations tried, as multiples of the mean item count (the scale the data sets): a coarse
 * grid, then the halves and doubles around the best of it.
 */
const LAMBDA_SCALES = [0.25, 1, 4, 16, 64]

/** Users whose latest item judges the candidates, at most (spread evenly over all of them). */
const VALIDATION_USERS = 1500

/** A user needs this many modelled items to lend one to validation and keep some to score from. */
const MIN_ITEMS_TO_VALIDATE = 3

/** A trained EASE model: read-only, so a new one can replace it between two requests. */
export class EaseModel {
  readonly #index: Map<string, number>
  readonly #ids: string[]
  readonly #weights: Float32Array

  private constructor(ids: string[], weights: Float32Array) {
    this.#ids = ids
    this.#index = new Map(ids.map((id, i) => [id, i]))
    this.#weights = weights
  }

  /** The trained weights, to hand from a training thread to the serving one (transferable). */
  export(): { ids: string[]; weights: Float32Array } {
    return { ids: this.#ids, weights: this.#weights }
  }

  static import(trained: { ids: string[]; weights: Float32Array }): EaseModel {
    if (trained.weights.length !== trained.ids.length ** 2)
      throw new Error('EASE weights do not match their items')
    return new EaseModel(trained.ids, trained.weights)
  }

  /** Fits on each user's set of items. */
  static fit(
    users: Iterable<Iterable<string>>,
    opts: EaseOptions = {},
  ): { model: EaseModel; report: TrainReport } {
    const started = performance.now()
    const lists = [...users].map((items) => [...items])
    const counts = new Map<string, number>()
    for (const items of lists) for (const id of items) counts.set(id, (counts.get(id) ?? 0) + 1)
    const ids = [...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, opts.maxItems ?? 1500)
      .map(([id]) => id)
    const index = new Map(ids.map((id, i) => [id, i]))
    const n = ids.length
    // Each user's modelled items, in the order they first engaged with them.
    const rows = lists.map((items) =>
      items.map((id) => index.get(id)).filter((i): i is number => i !== undefined),
    )
    const interactions = rows.reduce((total, r) => total + r.length, 0)
    // Regularisation scaled to the data: the mean item count (at least 10), so it means the same
    // on a shop with hundreds of events as on millions of ratings; then the multiple of it that
    // best predicts users' latest items, unless one is given.
    const base = Math.max(10, n > 0 ? interactions / n : 0)
    const lambda = opts.lambda ?? chooseLambda(rows, n, base)
    const weights = easeWeights(gramOf(rows, n), n, lambda)
    const model = new EaseModel(ids, weights)
    const report: TrainReport = {
      model: 'ease',
      ms: performance.now() - started,
      users: lists.length,
      items: n,
      interactions,
      bytes: weights.byteLength,
      lambda,
    }
    return { model, report }
  }

  /** Scores every modelled item for a user's items; the reason names the item lending most. */
  score(history: Iterable<string>): Scores {
    const n = this.#ids.length
    const rows = [...history].map((id) => this.#index.get(id)).filter((i) => i !== undefined)
    const total = new Float64Array(n)
    const best = new Float64Array(n).fill(Number.NEGATIVE_INFINITY)
    const bestRow = new Int32Array(n)
    for (const row of rows as number[]) {
      const offset = row * n
      for (let j = 0; j < n; j++) {
        const w = this.#weights[offset + j] as number
        total[j] = (total[j] as number) + w
        if (w > (best[j] as number)) {
          best[j] = w
          bestRow[j] = row
        }
      }
    }
    const scores: Scores = new Map()
    if (rows.length === 0) return scores
    for (let j = 0; j < n; j++) {
      const s = total[j] as number
      if (s > 0) addScore(scores, this.#ids[j] as string, s, this.#ids[bestRow[j] as number])
    }
    return scores
  }

  get items(): number {
    return this.#ids.length
  }
}

/** XᵀX for binary X: how many users have each pair of items. */
function gramOf(rows: readonly number[][], n: number): Float64Array {
  const gram = new Float64Array(n * n)
  for (const row of rows)
    for (const a of row) for (const b of row) gram[a * n + b] = (gram[a * n + b] as number) + 1
  return gram
}

/** B = I − P·diag(1/diag P), P = (G + λI)⁻¹, with a zero diagonal. `gram` is overwritten. */
function easeWeights(gram: Float64Array, n: number, lambda: number): Float32Array {
  for (let i = 0; i < n; i++) gram[i * n + i] = (gram[i * n + i] as number) + lambda
  const p = invertSymmetricPositive(gram, n)
  const weights = new Float32Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i !== j) weights[i * n + j] = -(p[i * n + j] as number) / (p[j * n + j] as number)
    }
  }
  return weights
}

/**
 * The λ (a multiple of `base`) that best ranks each user's latest item (NDCG@10) from the
 * rest of their items, with that item held out of training: the data decides how much to smooth,
 * since the best λ varies with how sparse and how popular-skewed a catalogue is. Ties go to the
 * larger λ; too little data to judge keeps `base`.
 */
export function chooseLambda(rows: readonly number[][], n: number, base: number): number {
  const eligible = rows.filter((r) => r.length >= MIN_ITEMS_TO_VALIDATE)
  if (eligible.length < 20 || n < 2) return base
  const step = Math.max(1, Math.floor(eligible.length / VALIDATION_USERS))
  const judged = eligible.filter((_, i) => i % step === 0)
  const trainRows = rows.map((r) => (r.length >= MIN_ITEMS_TO_VALIDATE ? r.slice(0, -1) : r))
  const gram = gramOf(trainRows, n)
  const judge = (lambda: number) => {
    const weights = easeWeights(gram.slice(), n, lambda)
    let ndcg = 0
    for (const row of judged)
      ndcg += heldOutNdcg(weights, n, row.slice(0, -1), row.at(-1) as number)
    return ndcg / judged.length
  }
  const tried = new Map<number, number>()
  const bestOf = () =>
    [...tried].reduce((best, next) =>
      next[1] > best[1] || (next[1] === best[1] && next[0] > best[0]) ? next : best,
    )
  for (const scale of LAMBDA_SCALES) tried.set(scale, judge(base * scale))
  const [coarse] = bestOf()
  for (const scale of [coarse / 2, coarse * 2]) {
    if (!tried.has(scale)) tried.set(scale, judge(base * scale))
  }
  return base * bestOf()[0]
}

/** NDCG@10 of `target` among the items outside `seen`, scored from `seen` by `weights`. */
function heldOutNdcg(weights: Float32Array, n: number, seen: number[], target: number): number {
  const scores = new Float64Array(n)
  for (const i of seen) {
    const offset = i * n
    for (let j = 0; j < n; j++) scores[j] = (scores[j] as number) + (weights[offset + j] as number)
  }
  const excluded = new Set(seen)
  const mine = scores[target] as number
  let above = 0
  for (let j = 0; j < n && above < 10; j++) {
    if (j !== target && !excluded.has(j) && (scores[j] as number) > mine) above++
  }
  return above < 10 ? 1 / Math.log2(above + 2) : 0
}

/**
 * (A)⁻¹ for a symmetric positive-definite n×n matrix (row-major), by Cholesky: A = LLᵀ, then
 * A⁻¹ = L⁻ᵀL⁻¹. Every inner loop runs along rows, so it stays in cache at a few thousand items.
 * A is overwritten.
 */
export function invertSymmetricPositive(a: Float64Array, n: number): Float64Array {
  // L in the lower triangle of `a`.
  for (let j = 0; j < n; j++) {
    const rj = j * n
    let d = a[rj + j] as number
    for (let k = 0; k < j; k++) d -= (a[rj + k] as number) ** 2
    if (!(d > 0)) throw new Error('matrix is not positive definite')
    const ljj = Math.sqrt(d)
    a[rj + j] = ljj
    for (let i = j + 1; i < n; i++) {
      const ri = i * n
      let s = a[ri + j] as number
      for (let k = 0; k < j; k++) s -= (a[ri + k] as number) * (a[rj + k] as number)
      a[ri + j] = s / ljj
    }
  }
  // Row j of U is column j of L⁻¹ (forward substitution of L x = e_j), i.e. U = L⁻ᵀ.
  const u = new Float64Array(n * n)
  for (let j = 0; j < n; j++) {
    const rj = j * n
    for (let i = j; i < n; i++) {
      const ri = i * n
      let s = i === j ? 1 : 0
      for (let k = j; k < i; k++) s -= (a[ri + k] as number) * (u[rj + k] as number)
      u[rj + i] = s / (a[ri + i] as number)
    }
  }
  // A⁻¹[i][j] = Σ_k L⁻¹[k][i] L⁻¹[k][j] = Σ_{k ≥ max(i,j)} U[i][k] U[j][k]; written over `a`.
  for (let i = 0; i < n; i++) {
    const ri = i * n
    for (let j = i; j < n; j++) {
      const rj = j * n
      let s = 0
      for (let k = j; k < n; k++) s += (u[ri + k] as number) * (u[rj + k] as number)
      a[ri + j] = s
      a[rj + i] = s
    }
  }
  return a
}
