import type { Hono } from 'hono'
import { identify, requireRole } from '../services/accounts/identity.ts'
import { accountRoutes } from '../services/accounts/routes.tsx'
import { secureCookies, sessionSecret } from '../services/accounts/settings.ts'
import { cartCount, mergeGuestCart } from '../services/carts/carts.ts'
import { cartRoutes } from '../services/carts/routes.tsx'
import { mountCatalog } from '../services/catalog/index.ts'
import { mountIngest } from '../services/ingest/index.ts'
import { orderRoutes } from '../services/orders/routes.tsx'
import { csrfProtection } from '../shared/http/csrf.ts'
import { createServiceApp } from '../shared/http/serve.ts'
import type { Platform } from '../shared/platform.ts'
import { notFoundPage, pageErrors } from './errors.tsx'
import { openApiRoutes } from './openapi.ts'
import { catalogPages } from './pages/catalog.tsx'
import { staticRoutes } from './static.ts'

/** Machine endpoints: no cookies are read or set there, so no CSRF token is needed either. */
export const MACHINE_PATHS = [
  '/api/events',
  '/api/events/track',
  '/healthz',
  '/readyz',
  '/api/health',
  '/metrics',
]

/** The whole shop on one app: every service's routes and the pages. */
export function createShopApp(platform: Platform): Hono {
  const { config, database } = platform
  const identity = { db: database.db, secret: sessionSecret(config), secure: secureCookies(config) }
  const app = createServiceApp(platform, 'shop')
  app.route('/', staticRoutes())
  app.route('/', openApiRoutes())
  mountIngest(app, platform)
  app.use(async (c, next) => {
    if (MACHINE_PATHS.includes(c.req.path) || c.req.path.startsWith('/static/')) return next()
    return identify(identity)(c, next)
  })
  app.use(csrfProtection({ expected: (c) => c.get('visitor').csrfToken, exempt: MACHINE_PATHS }))
  app.use(async (c, next) => {
    const visitor = c.get('visitor')
    if (visitor && c.req.method === 'GET')
      visitor.cartCount = await cartCount(database.db, visitor.shopperId)
    return next()
  })
  app.route(
    '/',
    accountRoutes({
      ...identity,
      sessionTtlMs: config.SESSION_TTL_HOURS * 3_600_000,
      authRateLimitPerMin: config.AUTH_RATE_LIMIT_PER_MIN,
      trustProxy: config.TRUST_PROXY,
      onSignIn: [mergeGuestCart],
    }),
  )
  app.route('/', cartRoutes({ db: database.db }))
  app.route('/', orderRoutes({ db: database.db, onEventsWritten: () => platform.relay.notify() }))
  mountCatalog(app, platform, { requireAdmin: requireRole('admin') })
  app.route(
    '/',
    catalogPages({
      db: database.db,
      secret: identity.secret,
      onTracked: () => platform.relay.notify(),
    }),
  )
  app.notFound(notFoundPage)
  app.onError(pageErrors)
  return app
}
