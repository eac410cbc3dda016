// Constant-rate POSTs of orders for `bun run bench saga`, on the benches' open-loop client: a turn
// that finds every connection busy is dropped and counted, never queued.
import { type OpenLoopAnswer, runOpenLoop } from './lib/open-loop.ts'

export interface PostRequest {
  path: string
  headers: Record<string, string>
  body: string
}

export interface PostLoadOptions {
  host: string
  port: number
  /** Requests per second, offered whatever the answers do. */
  rate: number
  durationMs: number
  /** Keep-alive connections, each with at most one request in flight. */
  connections: number
  next: () => PostRequest
  expectStatus: number
}

export type PostAnswer = OpenLoopAnswer

export interface PostLoadResult {
  offered: number
  answers: PostAnswer[]
  dropped: number
  errors: number
  firstError?: string
  /** Epoch ms when the schedule began and when it ended (its last turn). */
  startedAt: number
  endedAt: number
}

// A saga shop under load answers slowly: answers missing this long after the schedule are errors.
const DRAIN_MS = 30_000

/** Offers `rate` POSTs a second; every answer with the expected status is kept with its body. */
export async function runPostLoad(opts: PostLoadOptions): Promise<PostLoadResult> {
  const { next, ...rest } = opts
  const r = await runOpenLoop({
    ...rest,
    next: () => ({ method: 'POST', ...next() }),
    keepAnswers: true,
    drainMs: DRAIN_MS,
  })
  return {
    offered: r.offered,
    answers: r.answers,
    dropped: r.dropped,
    errors: r.errors,
    ...(r.firstError ? { firstError: r.firstError } : {}),
    startedAt: r.startedAt,
    endedAt: r.endedAt,
  }
}
