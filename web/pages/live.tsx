// One live stream per page: `GET /live?parts=recommendations,also-bought:<productId>` carries every
// live panel of the page, each sent as an htmx partial for its element whenever it changes. The
// same components render the panels in the page and in each update.
import { Hono } from 'hono'
import type { Visitor, VisitorEnv } from '../../services/accounts/index.ts'
import { getProduct } from '../../services/catalog/index.ts'
import { unreadCount, watchNotifications } from '../../services/notifications/index.ts'
import { followOrder, getOrder, orderView } from '../../services/orders/index.ts'
import { ValidationError } from '../../shared/errors.ts'
import { liveParts } from '../../shared/http/live.ts'
import { SharedParts } from '../../shared/http/live-hub.ts'
import { LIVE_PATH, NotificationsLink } from '../layout.tsx'
import { adminInsightPartFactories } from './admin/catalog-parts.tsx'
import { type AdminPartDeps, adminPartFactories, type PartFactory } from './admin/live-parts.tsx'
import { AlsoBoughtPanel, RecommendedPanel } from './catalog-views.tsx'
import { OrderProgress } from './orders-views.tsx'
import { partial } from './partial.tsx'
import { alsoBoughtFor, type RecommendedDeps, recommendedFor } from './recommended.ts'

/** Parts one page may ask for at most. */
const MAX_PARTS = 8

function partFactories(deps: RecommendedDeps & AdminPartDeps): Record<string, PartFactory> {
  const watch = (visitor: Visitor) => (changed: () => void) =>
    deps.serving.recommender.watch(visitor.shopperId, changed)
  // Every admin tab's parts share one set: a part and range is one look for all its viewers.
  const admin = { ...deps, sharing: deps.sharing ?? new SharedParts() }
  return {
    ...adminPartFactories(admin),
    ...adminInsightPartFactories(admin),
    // "Recommended for you" (home, cart). The page already asked: re-renders are not new asks.
    recommendations: async (visitor) => ({
      subscribe: watch(visitor),
      render: async () => {
        const recommended = await recommendedFor(deps, visitor.shopperId, false)
        return {
          data: await partial(
            'recommendations',
            <RecommendedPanel visitor={visitor} {...recommended} />,
          ),
          version: recommended.version,
        }
      },
    }),
    // An order's page: its saga's steps as they happen. Only its shopper may follow it.
    order: async (visitor, orderId) => {
      const order = await getOrder(deps.db, visitor.user?.id ?? '', orderId)
      return {
        subscribe: (changed) => followOrder(order.id, changed),
        render: async () => {
          const view = await orderView(deps.db, order)
          return {
            data: await partial('order-progress', <OrderProgress view={view} />),
            version: `${view.status}|${view.history.length}`,
          }
        },
      }
    },
    // The header's notifications menu, on every page of a signed-in shopper.
    notifications: async (visitor) => {
      const userId = visitor.user?.id
      if (!userId) throw new ValidationError('notifications are for signed-in shoppers', [])
      return {
        subscribe: (changed) => watchNotifications(userId, changed),
        render: async () => {
          const count = await unreadCount(deps.db, userId)
          return {
            data: await partial('notifications-link', <NotificationsLink count={count} />),
            version: String(count),
          }
        },
      }
    },
    // "Customers also bought" (a product page): it moves with what everyone does.
    'also-bought': async (visitor, productId) => {
      const product = await getProduct(deps.db, productId)
      return {
        subscribe: watch(visitor),
        render: async () => {
          const alsoBought = await alsoBoughtFor(deps, product)
          return {
            data: await partial(
              'also-bought',
              <AlsoBoughtPanel visitor={visitor} {...alsoBought} />,
            ),
            version: alsoBought.version,
          }
        },
      }
    },
  }
}

/** `GET /live?parts=…`: the page's stream; an unknown part is a 400 naming it. */
export function livePages(deps: RecommendedDeps & AdminPartDeps): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
  const factories = partFactories(deps)
  app.get(LIVE_PATH, async (c) => {
    const visitor = c.get('visitor')
    const asked = (c.req.query('parts') ?? '').split(',').filter(Boolean)
    if (asked.length === 0 || asked.length > MAX_PARTS) {
      const message = `parts must name 1 to ${MAX_PARTS} live parts: ${Object.keys(factories).join(', ')}`
      throw new ValidationError(message, [{ field: 'parts', message }])
    }
    const parts = await Promise.all(
      asked.map((spec) => {
        const colon = spec.indexOf(':')
        const name = colon < 0 ? spec : spec.slice(0, colon)
        const argument = colon < 0 ? '' : spec.slice(colon + 1, colon + 129)
        const factory = Object.hasOwn(factories, name) ? factories[name] : undefined
        if (!factory) {
          const message = `unknown live part '${name.slice(0, 40)}'; known: ${Object.keys(factories).join(', ')}`
          throw new ValidationError(message, [{ field: 'parts', message }])
        }
        return factory(visitor, argument)
      }),
    )
    return liveParts(c, parts)
  })
  return app
}
