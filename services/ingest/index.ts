import type { Hono } from 'hono'
import { rateLimit } from '../../shared/http/rate-limit.ts'
import type { Platform } from '../../shared/platform.ts'
import { ingestRoutes } from './routes.ts'

/**
 * One call of `wake` per event-loop turn at most: the requests of one group commit resolve
 * together, and waking the relay thread costs a message between threads each time.
 */
function oncePerTurn(wake: () => void): () => void {
  let pending = false
  return () => {
    if (pending) return
    pending = true
    setImmediate(() => {
      pending = false
      wake()
    })
  }
}

/** Mounts the ingest service (the event endpoints, rate-limited per client) on an app. */
export function mountIngest(app: Hono, platform: Platform): void {
  // Hono's '/api/events/*' matches '/api/events' itself too: one limiter covers both endpoints.
  app.use(
    '/api/events/*',
    rateLimit({
      limit: platform.config.INGEST_RATE_LIMIT_PER_MIN,
      windowMs: 60_000,
      trustProxy: platform.config.TRUST_PROXY,
    }),
  )
  app.route(
    '/',
    ingestRoutes({
      outbox: platform.outbox,
      onEnqueued: oncePerTurn(() => platform.relay.notify()),
    }),
  )
}
