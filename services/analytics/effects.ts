// What each consumed event adds to the roll-ups, decided from the event alone: which counters of
// its minute and day go up, who was active, what a product gained, which funnel step a user
// reached, and what it says about an order. Nothing here knows SQL or Kafka (store.ts writes it).
import type { CatalogEvent } from '../../shared/consumers/define.ts'
import type { BucketCounter, JourneyStep, OrderLine, ProductCounter } from './schema.ts'

/** Every event type analytics consumes, by topic (consumers/ has one module per topic). */
export const ANALYTICS_TYPES = {
  'user-events': [
    'product.viewed',
    'product.searched',
    'product.clicked',
    'product.rated',
    'product.purchased',
    'recommendation.clicked',
    'user.registered',
    'user.logged_in',
    'user.logged_out',
  ],
  'cart-events': ['cart.item_added', 'cart.item_removed', 'cart.updated'],
  'order-events': ['order.created', 'order.status_updated'],
  'payment-events': ['payment.captured', 'payment.refunded'],
  'analytics-events': ['product_list.viewed'],
} as const

export type AnalyticsTopic = keyof typeof ANALYTICS_TYPES
export type AnalyticsEventType = (typeof ANALYTICS_TYPES)[AnalyticsTopic][number]
export type AnalyticsEvent = CatalogEvent<AnalyticsEventType>

/** What one event says about an order; orders.ts rolls it up once the order's facts allow. */
export type OrderFact =
  | {
      kind: 'created'
      orderId: string
      userHash: string
      totalMinor: number
      currency: string
      discountMinor: number
      items: OrderLine[]
    }
  | { kind: 'completed' | 'cancelled'; orderId: string; userHash: string }
  | { kind: 'captured' | 'refunded'; orderId: string; amountMinor: number }

export interface ProductEffect {
  productId: string
  counters: Partial<Record<ProductCounter, number>>
}

export interface Effects {
  /** Added to the event's minute and day (besides `events`, which every event adds 1 to). */
  counters: Partial<Record<BucketCounter, number>>
  /** The pseudonymous user the event shows active; none for the system's own events. */
  activeUser: string | null
  product: ProductEffect | null
  journey: { step: JourneyStep; productId: string } | null
  order: OrderFact | null
}

const NOTHING: Effects = {
  counters: {},
  activeUser: null,
  product: null,
  journey: null,
  order: null,
}

/** A shopper's action: counted, with them active, and maybe a product and a funnel step. */
function behaviour(
  user: string,
  counters: Effects['counters'],
  product?: ProductEffect,
  step?: JourneyStep,
): Effects {
  return {
    counters,
    activeUser: user,
    product: product ?? null,
    journey: step ? { step, productId: product?.productId ?? '' } : null,
    order: null,
  }
}

/**
 * The effects of one event. `hash` pseudonymises user ids: the raw id goes no further than here.
 *
 * @example
 * effectsOf(event, (id) => analyticsUser(secret, id))
 */
export function effectsOf(event: AnalyticsEvent, hash: (userId: string) => string): Effects {
  switch (event.type) {
    case 'product.viewed': {
      const { userId, productId } = event.data
      return behaviour(
        hash(userId),
        { productViews: 1 },
        { productId, counters: { views: 1 } },
        'view',
      )
    }
    case 'product.searched':
      return behaviour(hash(event.data.userId), { searches: 1 }, undefined, 'search')
    case 'product.clicked': {
      const { userId, productId } = event.data
      return behaviour(
        hash(userId),
        { productClicks: 1 },
        { productId, counters: { clicks: 1 } },
        'click',
      )
    }
    case 'recommendation.clicked': {
      // A click on a product like any other for the funnel; counted apart in the buckets.
      const { userId, productId } = event.data
      const counters = { recommendationClicks: 1 }
      return behaviour(hash(userId), counters, { productId, counters: { clicks: 1 } }, 'click')
    }
    case 'product.rated': {
      const { userId, productId, rating } = event.data
      const counters = { ratingSum: rating, ratingCount: 1 }
      return behaviour(hash(userId), { ratings: 1 }, { productId, counters })
    }
    case 'product.purchased': {
      const { userId, productId } = event.data
      const product = { productId, counters: { purchases: 1 } }
      return behaviour(hash(userId), { purchases: 1 }, product, 'purchase')
    }
    case 'cart.item_added': {
      const { userId, productId } = event.data
      return behaviour(
        hash(userId),
        { cartAdds: 1 },
        { productId, counters: { cartAdds: 1 } },
        'cart',
      )
    }
    case 'cart.item_removed':
      return behaviour(hash(event.data.userId), { cartRemovals: 1 })
    case 'cart.updated':
    case 'user.logged_out':
      return behaviour(hash(event.data.userId), {})
    case 'user.registered':
      return behaviour(hash(event.data.userId), { usersRegistered: 1 })
    case 'user.logged_in':
      return behaviour(hash(event.data.userId), { logins: 1 })
    case 'product_list.viewed':
      return behaviour(hash(event.data.userId), { listViews: 1 })
    case 'order.created': {
      const d = event.data
      const userHash = hash(d.userId)
      const items = d.items.map(({ productId, quantity, priceMinor }) => ({
        productId,
        quantity,
        priceMinor,
      }))
      return {
        ...NOTHING,
        activeUser: userHash,
        order: {
          kind: 'created',
          orderId: d.orderId,
          userHash,
          totalMinor: d.totalMinor,
          currency: d.currency,
          discountMinor: d.discountMinor ?? 0,
          items,
        },
      }
    }
    case 'order.status_updated': {
      // The saga's own event: it says how the order ended, not that the shopper did anything.
      const { status, orderId, userId } = event.data
      if (status !== 'completed' && status !== 'cancelled') return NOTHING
      return { ...NOTHING, order: { kind: status, orderId, userHash: hash(userId) } }
    }
    case 'payment.captured':
    case 'payment.refunded': {
      const kind = event.type === 'payment.captured' ? 'captured' : 'refunded'
      const { orderId, amountMinor } = event.data
      return { ...NOTHING, order: { kind, orderId, amountMinor } }
    }
  }
}

/** Whether analytics wants an event at all: an order's steps on the way cost no transaction. */
export function concernsAnalytics(event: AnalyticsEvent): boolean {
  if (event.type !== 'order.status_updated') return true
  return event.data.status === 'completed' || event.data.status === 'cancelled'
}
