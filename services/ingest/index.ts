import type { Hono } from 'hono'
import { rateLimit } from '../../shared/http/rate-limit.ts'
import type { Platform } from '../../shared/platform.ts'
import { ingestRoutes } from './routes.ts'

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
  app.route('/', ingestRoutes({ outbox: platform.outbox }))
}
