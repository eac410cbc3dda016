// EASE (Steck, 2019): a linear item-item model with a closed-form solution. B = I − P·diag(1/diag P)
// with P = (XᵀX + λI)⁻¹ over the users × items matrix X, zero diagonal; a user's score for j is
// Σ over their items i of B[i][j]. It is retrained in the background and swapped in whole.
import { addScore, type Scores } from './top-k.ts'
import type { TrainReport } from './types.ts'

export interface EaseOptions {
  /** Only the most interacted-with items are modelled: the inverse costs items³. */
  maxItems?: number
}

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
    const gram = new Float64Array(n * n)
    let interactions = 0
    for (const items of lists) {
      const rows = items.map((id) => index.get(id)).filter((i): i is number => i !== undefined)
      interactions += rows.length
      for (const a of rows) for (const b of rows) gram[a * n + b] = (gram[a * n + b] as number) + 1
    }
    // Regularisation scaled to the data: the mean item count (at least 10), so it means the same
    // on a shop with hundreds of events as on millions of ratings.
    let trace = 0
    for (let i = 0; i < n; i++) trace += gram[i * n + i] as number
    const lambda = Math.max(10, n > 0 ? trace / n : 0)
    for (let i = 0; i < n; i++) gram[i * n + i] = (gram[i * n + i] as number) + lambda
    const p = invertSymmetricPositive(gram, n)
    const weights = new Float32Array(n * n)
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i !== j) weights[i * n + j] = -(p[i * n + j] as number) / (p[j * n + j] as number)
      }
    }
    const model = new EaseModel(ids, weights)
    const report: TrainReport = {
      model: 'ease',
      ms: performance.now() - started,
      users: lists.length,
      items: n,
      interactions,
      bytes: weights.byteLength,
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
