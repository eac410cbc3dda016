import { type Context, Hono } from 'hono'
import {
  identify,
  requireAdmin,
  secureCookies,
  sessionSecret,
  usersPerRole,
  type VisitorEnv,
} from '../services/accounts/index.ts'
import { analyticsRoutes } from '../services/analytics/index.ts'
import { cartCount, mergeGuestCart } from '../services/carts/index.ts'
import { mountCatalog } from '../services/catalog/index.ts'
import { mountIngest } from '../services/ingest/index.ts'
import { unreadCount } from '../services/notifications/index.ts'
import { orderRoutes, sagaSettings } from '../services/orders/index.ts'
import { promotionRoutes } from '../services/promotions/index.ts'
import { experimentRoutes, type RunningRecommender } from '../services/recommender/index.ts'
import { csrfProtection } from '../shared/http/csrf.ts'
import type { PartSharing } from '../shared/http/live-hub.ts'
import { createServiceApp } from '../shared/http/serve.ts'
import type { Platform } from '../shared/platform.ts'
import { notFoundPage, pageErrors } from './errors.tsx'
import { openApiRoutes } from './openapi.ts'
import { accountPages } from './pages/accounts.tsx'
import { adminPages } from './pages/admin/index.ts'
import { cartPages } from './pages/carts.tsx'
import { catalogPages } from './pages/catalog.tsx'
import { livePages } from './pages/live.tsx'
import { notificationPages } from './pages/notifications.tsx'
import { orderPages } from './pages/orders.tsx'
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

export interface ShopServices {
  recommender: RunningRecommender
}

export interface ShopAppOptions {
  /** How admin live parts are shared among streams (a bench's baseline shares none). */
  liveSharing?: PartSharing
}

/** The whole shop on one app: every service's routes and the pages. */
export function createShopApp(
  platform: Platform,
  services: ShopServices,
  options: ShopAppOptions = {},
): Hono {
  const app = createServiceApp(platform, 'shop')
  // Machine endpoints and static files first: they answer before a visitor is looked up.
  app.route('/', staticRoutes())
  app.route('/', openApiRoutes())
  mountIngest(app, platform)
  app.route('/', services.recommender.routes)
  app.route('/', shopperApp(platform, services, options))
  app.notFound(notFoundPage)
  app.onError(pageErrors)
  return app
}

/**
 * Everything a shopper's browser talks to, pages and the JSON API behind a session alike.
 * `identify` is its first middleware, so every handler here has a visitor (`VisitorEnv`).
 */
function shopperApp(
  platform: Platform,
  services: ShopServices,
  options: ShopAppOptions,
): Hono<VisitorEnv> {
  const { config, database } = platform
  const db = database.db
  const identity = { db, secret: sessionSecret(config), secure: secureCookies(config) }
  // Admin writes are audited: each change is an `admin.changed` event.
  const adminOnly = requireAdmin(db)
  const app = new Hono<VisitorEnv>()
  app.use(identify(identity))
  app.use(
    csrfProtection({
      expected: (c: Context<VisitorEnv>) => c.get('visitor').csrfToken,
      exempt: MACHINE_PATHS,
    }),
  )
  app.use(async (c, next) => {
    const visitor = c.get('visitor')
    if (c.req.method === 'GET') {
      visitor.cartCount = await cartCount(db, visitor.shopperId)
      if (visitor.user) visitor.unreadNotifications = await unreadCount(db, visitor.user.id)
    }
    return next()
  })
  app.route(
    '/',
    accountPages({
      ...identity,
      sessionTtlMs: config.SESSION_TTL_HOURS * 3_600_000,
      authRateLimitPerMin: config.AUTH_RATE_LIMIT_PER_MIN,
      trustProxy: config.TRUST_PROXY,
      onSignIn: [mergeGuestCart],
    }),
  )
  app.route(
    '/',
    cartPages({
      db,
      serving: services.recommender.serving,
    }),
  )
  const saga = sagaSettings(config)
  app.route('/', orderPages({ db, saga }))
  app.route('/', notificationPages({ db }))
  app.route('/', orderRoutes({ db, saga }))
  mountCatalog(app, platform, { requireAdmin: adminOnly })
  app.route('/', promotionRoutes({ db, requireAdmin: adminOnly }))
  app.route(
    '/',
    analyticsRoutes({
      db,
      requireAdmin: adminOnly,
      countRoles: () => usersPerRole(db),
    }),
  )
  app.route(
    '/',
    experimentRoutes({
      db,
      registry: services.recommender.experiments,
      requireAdmin: adminOnly,
    }),
  )
  app.route(
    '/',
    livePages({
      db,
      bus: platform.bus,
      serving: services.recommender.serving,
      sharing: options.liveSharing,
    }),
  )
  app.route(
    '/',
    adminPages({
      db,
      bus: platform.bus,
      secret: identity.secret,
      serving: services.recommender.serving,
    }),
  )
  app.route(
    '/',
    catalogPages({
      db,
      secret: identity.secret,
      serving: services.recommender.serving,
    }),
  )
  return app
}
