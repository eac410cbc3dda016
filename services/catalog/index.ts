import type { Hono, MiddlewareHandler } from 'hono'
import type { Platform } from '../../shared/platform.ts'
import { catalogRoutes } from './routes.ts'

/** Mounts the catalog's JSON API on an app; admin writes go through `requireAdmin`. */
export function mountCatalog(
  app: Hono,
  platform: Platform,
  opts: { requireAdmin: MiddlewareHandler },
): void {
  app.route(
    '/',
    catalogRoutes({
      db: platform.database.db,
      requireAdmin: opts.requireAdmin,
      onEventsWritten: () => platform.relay.notify(),
    }),
  )
}
