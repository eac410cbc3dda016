import type { Hono } from 'hono'
import { rateLimit } from '../../shared/http/rate-limit.ts'
import type { Platform } from '../../shared/platform.ts'
import { ingestRoutes } from './routes.ts'

// How often at most ingest wakes the relay: under load it then publishes 20 ms of events at once,
// while a lone event still wakes it at once.
const RELAY_WAKE_MS = 20

/**
 * Wakes the relay at once, then at most once per `everyMs` while events keep coming. Under load
 * the relay then publishes (and moves its cursor, a commit that holds the write lock the ingest
 * requests need) in batches of many groups instead of once per group commit.
 */
function throttled(wake: () => void, everyMs: number): () => void {
  let last = 0
  let timer: ReturnType<typeof setTimeout> | null = null
  return () => {
    if (timer) return
    const wait = last + everyMs - performance.now()
    if (wait <= 0) {
      last = performance.now()
      wake()
      return
    }
    timer = setTimeout(() => {
      timer = null
      last = performance.now()
      wake()
    }, wait)
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
      onEnqueued: throttled(() => platform.relay.notify(), RELAY_WAKE_MS),
    }),
  )
}
