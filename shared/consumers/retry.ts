import { z } from 'zod'
import { NestedWriteError } from '../db/transaction-scope.ts'
import { AppError } from '../errors.ts'

/** How long a failing record is retried: a time budget, not a count of quick tries. */
export interface RetryPolicy {
  /** After this long failing, a record goes to its DLQ (a database hiccup must fit inside it). */
  budgetMs: number
  /** The first backoff; it doubles per attempt, with jitter, up to `maxBackoffMs`. */
  baseMs: number
  maxBackoffMs: number
  /** An attempt running longer than this fails (and is retried): a hung handler cannot wedge a partition. */
  handlerTimeoutMs: number
}

/** "Equal jitter": half the exponential delay, plus a random part of the other half. */
export function backoffMs(attempt: number, policy: RetryPolicy): number {
  const exp = Math.min(policy.maxBackoffMs, policy.baseMs * 2 ** (attempt - 1))
  return exp / 2 + Math.random() * (exp / 2)
}

/** An attempt that ran past `handlerTimeoutMs`; retried like any transient failure. */
export class HandlerTimeoutError extends AppError {
  constructor(ms: number) {
    super(`The handler did not finish within ${ms} ms`, {
      code: 'HANDLER_TIMEOUT',
      status: 503,
      canRetry: true,
    })
  }
}

/**
 * Whether retrying can help. Our own errors say so; a record that fails to parse or validate never
 * will; anything else (a database or network hiccup) is worth the retry budget.
 */
export function canRetry(error: unknown): boolean {
  // Drizzle wraps a failed statement in its own error: the cause decides.
  for (let e = error, depth = 0; e && depth < 5; e = (e as Error).cause, depth++) {
    if (e instanceof AppError) return e.canRetry
    if (e instanceof z.ZodError || e instanceof SyntaxError) return false
    // A write through `db` inside the transaction is a bug in the handler, not a passing failure.
    if (e instanceof NestedWriteError) return false
  }
  return true
}

/** An error and its causes in one line, for logs and dead-letter headers. */
export function describeError(error: unknown): string {
  const parts: string[] = []
  for (let e = error, depth = 0; e && depth < 5; e = (e as Error).cause, depth++) {
    // Drizzle's "Failed query: … params: …" carries row values: the statement is enough.
    const message = e instanceof Error ? e.message : String(e)
    parts.push(message.replace(/\nparams: [\s\S]*$/, ''))
  }
  return parts.join(' ← caused by: ')
}

/** Rejects with HandlerTimeoutError (and aborts `controller`) if `work` runs past `ms`. */
export async function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  controller: AbortController,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort()
      reject(new HandlerTimeoutError(ms))
    }, ms)
  })
  // The abandoned attempt may still reject later; that is expected, not an unhandled error.
  work.catch(() => {})
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}
