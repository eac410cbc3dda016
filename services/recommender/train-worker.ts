// The thread that trains the matrix model: the inverse takes seconds at a few thousand items, and
// requests must not wait for it.
import { EaseModel } from './models/ease.ts'
import type { TrainReport } from './models/types.ts'

declare const self: Worker

export interface TrainRequest {
  id: number
  sets: string[][]
  maxItems: number
  /** The regularisation to use; absent: choose it on the data (several fits instead of one). */
  lambda?: number
}

export type TrainResponse =
  | { id: number; ids: string[]; weights: Float32Array; report: TrainReport }
  | { id: number; error: string }

self.onmessage = (event: MessageEvent<TrainRequest>) => {
  const { id, sets, maxItems, lambda } = event.data
  try {
    const { model, report } = EaseModel.fit(sets, { maxItems, lambda })
    const { ids, weights } = model.export()
    self.postMessage({ id, ids, weights, report } satisfies TrainResponse, [weights.buffer])
  } catch (error) {
    self.postMessage({ id, error: (error as Error).message } satisfies TrainResponse)
  }
}
