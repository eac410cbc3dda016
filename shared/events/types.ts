import { z } from 'zod'
import { SAGA_EVENT_TYPES } from './order-saga.ts'
import { PROMOTION_EVENT_TYPES } from './promotions.ts'
import type { TopicName } from './topics.ts'

const id = z.string().trim().min(1).max(128)
const metadata = z.record(z.string(), z.unknown()).default({})

/** What every behaviour event carries: who did it and free-form context. */
const behaviour = z.object({
  userId: id,
  productId: id.optional(),
  orderId: id.optional(),
  rating: z.number().min(1).max(5).optional(),
  query: z.string().max(500).optional(),
  quantity: z.number().int().min(0).max(10_000).optional(),
  metadata,
})

const audit = z.object({ subject: id, reason: z.string().max(200), metadata })

/** A change an admin made: who (their user id), the request that made it, and how it ended. */
const adminChange = z.object({
  subject: id,
  /** `PATCH /api/admin/promotions/SPRING`: the method and the path changed. */
  action: z.string().min(1).max(600),
  status: z.number().int().min(100).max(599),
  metadata,
})

/** A product's catalog fields as product events carry them (prices in minor units). */
const productFields = z.object({
  slug: z.string().min(1).max(160),
  name: z.string().min(1).max(200),
  description: z.string().max(5000),
  categoryId: id,
  priceMinor: z.number().int().min(0),
  currency: z.string().length(3),
  stock: z.number().int().min(0),
  attributes: z.record(z.string(), z.string()),
  imageHue: z.number().int().min(0).max(359),
  featured: z.boolean(),
})

/** Which experiment and variant an A/B event belongs to, and whom it concerns. */
const abFact = z.object({
  experimentId: z.string().min(1).max(64),
  variant: z.string().min(1).max(64),
  strategy: z.string().min(1).max(32),
  userId: id,
  metadata,
})

/** Where a replay starts: the first record at or after a time, or an offset on every partition. */
const replayPosition = z.union([
  z.strictObject({ timestamp: z.iso.datetime({ offset: true }) }),
  z.strictObject({ offset: z.string().regex(/^\d+$/, 'a non-negative whole number') }),
])

/** Which request a replica answers, and who it is (host/pid, as the live metrics name it). */
const replayAnswer = z.object({
  requestId: id,
  service: id,
  replica: z.string().min(1).max(256),
})

export interface EventTypeSpec<S extends z.ZodType = z.ZodType> {
  topic: TopicName
  /** Which field of `data` is the record key: the entity whose order matters. */
  keyField: string
  schema: S
  /** Whether integrators may send it to `POST /api/events`. */
  ingestible: boolean
}

function spec<S extends z.ZodType>(
  topic: TopicName,
  keyField: string,
  schema: S,
  ingestible = false,
): EventTypeSpec<S> {
  return { topic, keyField, schema, ingestible }
}

/** Every event type Streamshop knows, declared once, with the topic it lives on and its data schema. */
export const EVENT_TYPES = {
  'product.viewed': spec('user-events', 'userId', behaviour.extend({ productId: id }), true),
  'product.searched': spec(
    'user-events',
    'userId',
    behaviour.extend({ query: z.string().trim().min(1).max(500) }),
    true,
  ),
  'product.clicked': spec('user-events', 'userId', behaviour.extend({ productId: id }), true),
  'product.rated': spec(
    'user-events',
    'userId',
    behaviour.extend({ productId: id, rating: z.number().min(1).max(5) }),
    true,
  ),
  'product.purchased': spec('user-events', 'userId', behaviour.extend({ productId: id }), true),
  'recommendation.clicked': spec(
    'user-events',
    'userId',
    behaviour.extend({ productId: id }),
    true,
  ),
  'user.registered': spec('user-events', 'userId', behaviour),
  'user.logged_in': spec('user-events', 'userId', behaviour),
  'user.logged_out': spec('user-events', 'userId', behaviour),
  // Security-relevant actions; the subject is who or what they concern (a user id, a hashed email).
  'user.login_failed': spec('audit-events', 'subject', audit),
  'admin.changed': spec('audit-events', 'subject', adminChange),
  'order.created': spec(
    'order-events',
    'orderId',
    z.object({
      orderId: id,
      /** Ties the order's saga events together. */
      correlationId: id,
      userId: id,
      items: z
        .array(
          z.object({
            productId: id,
            quantity: z.number().int().min(1),
            priceMinor: z.number().int().min(0),
          }),
        )
        .min(1),
      /** What is charged: the lines' sum less the coupon's discount. */
      totalMinor: z.number().int().min(0),
      currency: z.string().length(3),
      /** The coupon the order used and what it took off the lines' sum. */
      couponCode: z.string().min(1).max(64).optional(),
      discountMinor: z.number().int().min(0).optional(),
      metadata,
    }),
  ),
  ...SAGA_EVENT_TYPES,
  ...PROMOTION_EVENT_TYPES,
  'cart.item_added': spec('cart-events', 'userId', behaviour.extend({ productId: id }), true),
  'cart.item_removed': spec('cart-events', 'userId', behaviour.extend({ productId: id }), true),
  'cart.updated': spec('cart-events', 'userId', behaviour, true),
  'product_list.viewed': spec('analytics-events', 'userId', behaviour, true),
  // An admin opened a dashboard page (the seed's `admin_dashboard_access`); the admin by a keyed hash.
  'admin_dashboard.accessed': spec(
    'analytics-events',
    'userId',
    z.object({ userId: id, page: z.string().min(1).max(200), metadata }),
  ),
  'product.created': spec('product-events', 'productId', productFields.extend({ productId: id })),
  // Only the fields that changed, with their new values: applied in order (one key, one
  // partition) they rebuild the product, however concurrent admins interleave.
  'product.updated': spec(
    'product-events',
    'productId',
    z.object({ productId: id, changes: productFields.partial(), updatedAt: z.iso.datetime() }),
  ),
  'product.deleted': spec(
    'product-events',
    'productId',
    z.object({ productId: id, slug: z.string(), name: z.string(), categoryId: id }),
  ),
  // A shopper's recommendations changed materially; published by the replica that owns the shopper.
  'recommendation.generated': spec(
    'recommendations',
    'userId',
    z.object({
      userId: id,
      strategy: z.string().min(1).max(32),
      items: z
        .array(
          z.object({
            productId: id,
            score: z.number(),
            reason: z.string().max(200),
          }),
        )
        .max(100),
      metadata,
    }),
  ),
  // The recommender's request log (LENS): who asked for what, and what they got, how fast.
  'recommendation.requested': spec(
    'recommendation-requests',
    'userId',
    z.object({
      requestId: id,
      userId: id,
      strategy: z.string().min(1).max(32),
      limit: z.number().int().min(1).max(100),
      /** Where the ask came from: the JSON API, its stream, or a storefront panel. */
      channel: z.enum(['api', 'stream', 'panel']),
      experimentId: z.string().max(64).nullable(),
      variant: z.string().max(64).nullable(),
      replica: z.string().max(256),
    }),
  ),
  'recommendation.served': spec(
    'recommendation-responses',
    'userId',
    z.object({
      requestId: id,
      userId: id,
      strategy: z.string().min(1).max(32),
      productIds: z.array(id).max(100),
      coldStart: z.boolean(),
      /** Time to compute the answer, in milliseconds. */
      durationMs: z.number().min(0),
      replica: z.string().max(256),
    }),
  ),
  // A replica's model figures, every RECOMMENDER_METRICS_INTERVAL_MS (key: the replica).
  'model.metrics_reported': spec(
    'model-metrics',
    'replica',
    z.object({
      replica: z.string().min(1).max(256),
      eventsPerSecond: z.number().min(0),
      eventsApplied: z.number().int().min(0),
      /** Mean time to apply one event to the models, in milliseconds. */
      updateMs: z.number().min(0),
      users: z.number().int().min(0),
      products: z.number().int().min(0),
      caughtUp: z.boolean(),
      trainingRuns: z.number().int().min(0),
      lastTraining: z.record(z.string(), z.unknown()).nullable(),
      /** Recommended products shown to shoppers (distinct shopper and product) since start. */
      shown: z.number().int().min(0),
      /** Share of the shown that were clicked from a panel: the online click-through rate. */
      ctr: z.number().min(0).max(1).nullable(),
      /** Share of the shown that the shopper then engaged with (click, cart, purchase, rating). */
      precision: z.number().min(0).max(1).nullable(),
    }),
  ),
  // A/B tests of the recommender's strategies: a shopper was shown a variant's recommendations,
  // clicked one of them, or bought a product (counted as a conversion when it follows a click on
  // that product within the experiment's window).
  'experiment.exposed': spec('ab-test-events', 'userId', abFact),
  'experiment.clicked': spec('ab-test-events', 'userId', abFact.extend({ productId: id })),
  'experiment.converted': spec(
    'ab-test-events',
    'userId',
    abFact.extend({ productId: id, orderId: id.optional() }),
  ),
  // Operators' commands to running services (`bun run replay`), and each replica's answer.
  'service.replay_requested': spec(
    'control-events',
    'service',
    z.object({
      requestId: id,
      service: id,
      from: replayPosition,
      /** Only this replica rebuilds; every running one when absent. */
      replica: z.string().min(1).max(256).optional(),
    }),
  ),
  'service.replay_completed': spec(
    'control-events',
    'service',
    replayAnswer.extend({
      from: replayPosition,
      /** Events that taught the rebuilt models something. */
      eventsApplied: z.number().int().min(0),
      /** From the start of the rebuild to the swap. */
      durationMs: z.number().min(0),
      users: z.number().int().min(0),
      products: z.number().int().min(0),
    }),
  ),
  // The replica kept its models: the rebuild failed, the replica stopped, or a newer request
  // (`supersededBy`) replaced this one before it was done.
  'service.replay_failed': spec(
    'control-events',
    'service',
    replayAnswer.extend({ reason: z.string().max(500), supersededBy: id.optional() }),
  ),
  'review.created': spec(
    'review-events',
    'productId',
    z.object({
      reviewId: id,
      productId: id,
      userId: id,
      rating: z.number().int().min(1).max(5),
      title: z.string().max(200),
      body: z.string().max(5000),
    }),
  ),
} as const

export type EventType = keyof typeof EVENT_TYPES
export type EventData<T extends EventType> = z.infer<(typeof EVENT_TYPES)[T]['schema']>

/** The seed systems' names for our types (ai-recommendation, webshop-analytics, LENS). */
export const EVENT_TYPE_ALIASES: Record<string, EventType> = {
  product_view: 'product.viewed',
  product_viewed: 'product.viewed',
  view: 'product.viewed',
  search: 'product.searched',
  product_search: 'product.searched',
  click: 'product.clicked',
  product_click: 'product.clicked',
  rating: 'product.rated',
  rate: 'product.rated',
  product_rated: 'product.rated',
  purchase: 'product.purchased',
  recommendation_click: 'recommendation.clicked',
  add_to_cart: 'cart.item_added',
  remove_from_cart: 'cart.item_removed',
  cart_updated: 'cart.updated',
  product_list_viewed: 'product_list.viewed',
}

export const INGESTIBLE_TYPES = (Object.keys(EVENT_TYPES) as EventType[]).filter(
  (t) => EVENT_TYPES[t].ingestible,
)

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_TYPES, type)
}

/** Resolves a type or one of its seed aliases to the catalog's name. */
export function resolveEventType(type: string): EventType | undefined {
  if (isEventType(type)) return type
  return Object.hasOwn(EVENT_TYPE_ALIASES, type) ? EVENT_TYPE_ALIASES[type] : undefined
}
