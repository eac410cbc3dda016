import type { Hono } from 'hono'
import type { Platform } from '../platform.ts'
import { createApp } from './app.ts'
import { healthRoutes } from './health.ts'

/** The app every process serves: the factory's middleware plus health, readiness and metrics. */
export function createServiceApp(platform: Platform, service: string): Hono {
  const app = createApp({ maxBodyBytes: platform.config.INGEST_MAX_BODY_BYTES })
  app.route(
    '/',
    healthRoutes({
      db: platform.database.db,
      bus: platform.bus,
      service,
      consumers: () => platform.consumers.states(),
    }),
  )
  return app
}

/** Serves an app on the configured host and port. */
export function serve(app: Hono, platform: Platform) {
  return Bun.serve({ hostname: platform.config.HOST, port: platform.config.PORT, fetch: app.fetch })
}
