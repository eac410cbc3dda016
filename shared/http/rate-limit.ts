import type { Context, MiddlewareHandler } from 'hono'
import { getConnInfo } from 'hono/bun'
import { RateLimitedError } from '../errors.ts'

export interface RateLimitOptions {
  /** Requests allowed per client per window; 0 turns the limit off. */
  limit: number
  windowMs: number
  /** Read the client from X-Forwarded-For (only behind a proxy you trust). */
  trustProxy: boolean
  /** Clients remembered per window at most; beyond it the oldest windows are forgotten. */
  maxClients?: number
}

function clientOf(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    // The last entry is the one our proxy appended; anything before it the client could forge.
    const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim()
    if (forwarded) return forwarded
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/** A fixed-window limit per client, kept in memory (per process): 429 with Retry-After when exceeded. */
export function rateLimit(opts: RateLimitOptions): MiddlewareHandler {
  const windows = new Map<string, { start: number; count: number }>()
  let lastSweep = Date.now()
  return async (c, next) => {
    if (opts.limit <= 0) return next()
    const now = Date.now()
    if (now - lastSweep > opts.windowMs) {
      for (const [k, w] of windows) if (now - w.start >= opts.windowMs) windows.delete(k)
      lastSweep = now
    }
    const client = clientOf(c, opts.trustProxy)
    let w = windows.get(client)
    if (!w || now - w.start >= opts.windowMs) {
      w = { start: now, count: 0 }
      windows.delete(client)
      windows.set(client, w)
      // A flood of distinct addresses must not grow the map without bound: forget the oldest.
      const max = opts.maxClients ?? 100_000
      for (const key of windows.keys()) {
        if (windows.size <= max) break
        windows.delete(key)
      }
    }
    w.count++
    if (w.count > opts.limit) {
      c.header('retry-after', String(Math.ceil((w.start + opts.windowMs - now) / 1000)))
      throw new RateLimitedError(
        `More than ${opts.limit} requests in ${opts.windowMs / 1000} s; slow down`,
      )
    }
    return next()
  }
}
