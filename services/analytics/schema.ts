// The analytics context's roll-ups. Every row is keyed by the EVENT's time (its `ce_time`), never
// by when it arrived, and every write is an increment or an insert-or-ignore: applied once per
// event (the consumer runner's processed_events), in any order, they add up to the same rows.
// No raw user id is stored here: users are keyed pseudonyms (pseudonym.ts).
import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** A bucket's width: a UTC minute or a UTC day. */
export type Granularity = 'minute' | 'day'

const counter = (name: string) => integer(name).notNull().default(0)

/**
 * The shop's figures per minute and per day (UTC), one row per bucket. Money in minor units of
 * the shop's currency. A completed order's revenue lands in its completion's bucket once both its
 * creation and its completion are known (orders.ts).
 */
export const analyticsBuckets = sqliteTable(
  'analytics_buckets',
  {
    granularity: text('granularity').$type<Granularity>().notNull(),
    /** The bucket's start, ms since the epoch (a multiple of a minute or of a day). */
    start: integer('start').notNull(),
    /** Events analytics handled (every type it consumes). */
    events: counter('events'),
    /** Distinct users with any activity in the bucket (see analytics_active_users). */
    activeUsers: counter('active_users'),
    usersRegistered: counter('users_registered'),
    logins: counter('logins'),
    productViews: counter('product_views'),
    listViews: counter('list_views'),
    searches: counter('searches'),
    productClicks: counter('product_clicks'),
    recommendationClicks: counter('recommendation_clicks'),
    cartAdds: counter('cart_adds'),
    cartRemovals: counter('cart_removals'),
    ratings: counter('ratings'),
    /** `product.purchased` events: one per product line a shopper bought. */
    purchases: counter('purchases'),
    ordersPlaced: counter('orders_placed'),
    ordersCompleted: counter('orders_completed'),
    ordersCancelled: counter('orders_cancelled'),
    /** Completed orders' totals less refunds of them. */
    revenueMinor: counter('revenue_minor'),
    refundedMinor: counter('refunded_minor'),
    capturedMinor: counter('captured_minor'),
  },
  (t) => [primaryKey({ columns: [t.granularity, t.start] })],
)

export type BucketRow = typeof analyticsBuckets.$inferSelect
/** The counters of a bucket row: what an event can add to. */
export type BucketCounter = Exclude<keyof BucketRow, 'granularity' | 'start'>

/** Who was active in a bucket: the distinct-user count of a bucket or of a range of them. */
export const analyticsActiveUsers = sqliteTable(
  'analytics_active_users',
  {
    granularity: text('granularity').$type<Granularity>().notNull(),
    start: integer('start').notNull(),
    userHash: text('user_hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.granularity, t.start, t.userHash] })],
)

/**
 * Events per second of event time, for the live chart: a ring of one slot per second of the last
 * hour. A slot holds the count of its latest second; an event older than the slot's second is
 * too old to show and is left out, so the ring ends the same in any order of arrival.
 */
export const analyticsEventSeconds = sqliteTable('analytics_event_seconds', {
  slot: integer('slot').primaryKey(),
  second: integer('second').notNull(),
  events: integer('events').notNull(),
})

/** Seconds the ring holds. */
export const EVENT_SECONDS_KEPT = 3600

/** One product's figures per UTC day. */
export const analyticsProductDays = sqliteTable(
  'analytics_product_days',
  {
    day: integer('day').notNull(),
    productId: text('product_id').notNull(),
    views: counter('views'),
    clicks: counter('clicks'),
    cartAdds: counter('cart_adds'),
    purchases: counter('purchases'),
    /** Completed orders that held the product (in their completion's day). */
    orders: counter('orders'),
    /** Units of it in those orders. */
    units: counter('units'),
    /** Its share of those orders' totals: the line's value less its share of the discount. */
    revenueMinor: counter('revenue_minor'),
    /** Ratings may have halves (`product.rated` takes any number from 1 to 5). */
    ratingSum: real('rating_sum').notNull().default(0),
    ratingCount: counter('rating_count'),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.productId] }),
    index('analytics_product_days_product').on(t.productId),
  ],
)

export type ProductDayRow = typeof analyticsProductDays.$inferSelect
export type ProductCounter = Exclude<keyof ProductDayRow, 'day' | 'productId'>

/** The funnels' steps (funnels.ts says how they chain). */
export const JOURNEY_STEPS = ['search', 'view', 'click', 'cart', 'purchase'] as const
export type JourneyStep = (typeof JOURNEY_STEPS)[number]

/**
 * That a user reached a funnel step with a product on a UTC day (`product_id` is '' for a
 * search, which names no product). Insert-or-ignore: a user viewing a product ten times is one row.
 */
export const analyticsJourneys = sqliteTable(
  'analytics_journeys',
  {
    day: integer('day').notNull(),
    step: text('step').$type<JourneyStep>().notNull(),
    userHash: text('user_hash').notNull(),
    productId: text('product_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.step, t.day, t.userHash, t.productId] })],
)

/**
 * What analytics knows of each order, from whichever of its events arrived: its creation, its
 * end, its payment. Revenue is rolled up once both creation and completion are known
 * (`counted`), whatever order they came in.
 */
export const analyticsOrders = sqliteTable(
  'analytics_orders',
  {
    orderId: text('order_id').primaryKey(),
    /** Null while only payment events (which name no user) have arrived. */
    userHash: text('user_hash'),
    /** The creation's event time; null until `order.created` arrives. */
    createdAt: integer('created_at'),
    totalMinor: integer('total_minor'),
    currency: text('currency'),
    discountMinor: integer('discount_minor'),
    items: text('items', { mode: 'json' }).$type<OrderLine[]>(),
    status: text('status').$type<OrderOutcome>().notNull(),
    completedAt: integer('completed_at'),
    cancelledAt: integer('cancelled_at'),
    capturedMinor: integer('captured_minor'),
    refundedMinor: integer('refunded_minor'),
    refundedAt: integer('refunded_at'),
    /** Whether the completion (count, revenue, products) is in the roll-ups. */
    counted: integer('counted', { mode: 'boolean' }).notNull().default(false),
    /** How much of the refund is already taken off the revenue. */
    refundCountedMinor: integer('refund_counted_minor').notNull().default(0),
  },
  (t) => [index('analytics_orders_created').on(t.createdAt)],
)

/** Where an order stands for analytics: placed until its end is known. */
export type OrderOutcome = 'placed' | 'completed' | 'cancelled'

export interface OrderLine {
  productId: string
  quantity: number
  priceMinor: number
}

export type AnalyticsOrder = typeof analyticsOrders.$inferSelect

/** Every analytics table: what a rebuild clears and what no raw user id may enter. */
export const ANALYTICS_TABLES = [
  analyticsBuckets,
  analyticsActiveUsers,
  analyticsEventSeconds,
  analyticsProductDays,
  analyticsJourneys,
  analyticsOrders,
] as const
