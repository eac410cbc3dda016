// The analytics context's public face: what web/ (the admin dashboard) and other services may use.
// It consumes behaviour, cart, order, payment and page events into roll-ups of its own (per minute
// and per day, per product per day, funnel steps, per-order facts), keyed by event time and by
// pseudonymised users, and answers the dashboard's questions from them.
import type { Config } from '../../shared/config/index.ts'
import type { ConsumerDefinition } from '../../shared/consumers/define.ts'
import { sessionSecret } from '../accounts/index.ts'
import { analyticsConsumers } from './registry.ts'

export {
  DAY_MS,
  granularityFor,
  lastPeriod,
  MINUTE_MS,
  previousPeriod,
  SECOND_MS,
  type TimeRange,
} from './buckets.ts'
export { ANALYTICS_EVENTS_GROUP } from './consumers/analytics-events.ts'
export { CART_EVENTS_GROUP } from './consumers/cart-events.ts'
export { ORDER_EVENTS_GROUP } from './consumers/order-events.ts'
export { PAYMENT_EVENTS_GROUP } from './consumers/payment-events.ts'
export { USER_EVENTS_GROUP } from './consumers/user-events.ts'
export { ANALYTICS_TYPES, type AnalyticsEventType } from './effects.ts'
export { analyticsUser, pseudonym } from './pseudonym.ts'
export { activeUsers, type Figure } from './queries/figures.ts'
export { type FunnelStep, type Funnels, funnels } from './queries/funnels.ts'
export { type OrdersSummary, ordersSummary } from './queries/orders-summary.ts'
export { type Overview, overview } from './queries/overview.ts'
export {
  PRODUCT_SORTS,
  type ProductFigures,
  type ProductSort,
  type ProductsTable,
  type ProductsTableOptions,
  productsTable,
  topSellers,
} from './queries/products-table.ts'
export { type RecentOrder, recentOrders } from './queries/recent-orders.ts'
export { type EventRate, eventsPerSecond, type Trend, trend } from './queries/trend.ts'
export { type Growth, type UsersSummary, usersSummary } from './queries/users-summary.ts'
export { type RebuildOptions, type RebuildReport, rebuildAnalytics } from './rebuild.ts'
export { analyticsConsumers } from './registry.ts'
export { listenForAnalyticsReplays, REPLAY_SERVICE } from './replay.ts'
export {
  type AnalyticsRoutesDeps,
  analyticsProductsQuerySchema,
  analyticsRangeQuerySchema,
  analyticsRoutes,
} from './routes.ts'
export type { Granularity } from './schema.ts'

/**
 * What the analytics context consumes, pseudonymising with the shop's secret (the one
 * web/track.ts uses); `bun run dev` and `bun services/analytics/main.ts` start them.
 */
export function consumers(config: Config): ConsumerDefinition[] {
  return analyticsConsumers(sessionSecret(config))
}
