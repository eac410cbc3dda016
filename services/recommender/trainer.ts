// Retrains the matrix model in the background and swaps it in: requests keep using the old model
// until the new one is whole.
import { log } from '../../shared/observability/log.ts'
import { EaseModel } from './models/ease.ts'
import type { TrainReport } from './models/types.ts'
import type { Recommender } from './recommender.ts'
import type { TrainRequest, TrainResponse } from './train-worker.ts'

export interface TrainerOptions {
  intervalMs: number
  maxItems: number
}

export class BackgroundTrainer {
  readonly #recommender: Recommender
  readonly #opts: TrainerOptions
  readonly #worker = new Worker(new URL('./train-worker.ts', import.meta.url).href)
  readonly #pending = new Map<number, (r: TrainResponse) => void>()
  #timer: ReturnType<typeof setInterval> | null = null
  #nextId = 0
  #trainedAt = -1
  #running: Promise<TrainReport | null> | null = null
  #runs = 0
  /** The regularisation last chosen on the data, and on how many interactions. */
  #lambda: { value: number; interactions: number } | null = null

  constructor(recommender: Recommender, opts: TrainerOptions) {
    this.#recommender = recommender
    this.#opts = opts
    this.#worker.onmessage = (event: MessageEvent<TrainResponse>) => {
      this.#pending.get(event.data.id)?.(event.data)
      this.#pending.delete(event.data.id)
    }
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.trainIfChanged(), this.#opts.intervalMs)
  }

  /** Trains when interactions arrived since the last run; one run at a time. */
  /** Models trained and swapped in since start. */
  get runs(): number {
    return this.#runs
  }

  trainIfChanged(): Promise<TrainReport | null> {
    const interactions = this.#recommender.engine.stats().interactions
    if (interactions === this.#trainedAt || interactions === 0) return Promise.resolve(null)
    this.#running ??= this.#train(interactions).finally(() => {
      this.#running = null
    })
    return this.#running
  }

  async #train(interactions: number): Promise<TrainReport | null> {
    const id = ++this.#nextId
    // Choosing λ takes several fits: it is chosen again only once the data has doubled since.
    const reuse = this.#lambda && interactions < 2 * this.#lambda.interactions
    const request: TrainRequest = {
      id,
      sets: this.#recommender.engine.trainingSet(),
      maxItems: this.#opts.maxItems,
      lambda: reuse ? this.#lambda?.value : undefined,
    }
    const response = await new Promise<TrainResponse>((resolve) => {
      this.#pending.set(id, resolve)
      this.#worker.postMessage(request)
    })
    if ('error' in response) {
      log.warn({ error: response.error }, 'training the matrix model failed; keeping the last one')
      return null
    }
    this.#recommender.useTrained(EaseModel.import(response), response.report)
    this.#trainedAt = interactions
    if (!reuse) this.#lambda = { value: response.report.lambda, interactions }
    this.#runs++
    log.info({ ...response.report }, 'matrix model retrained')
    return response.report
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#worker.terminate()
    for (const resolve of this.#pending.values()) resolve({ id: -1, error: 'trainer closed' })
    this.#pending.clear()
  }
}
