// Known events for the analytics tests, at chosen event times.
import type { BusRecord } from '../../../shared/bus/types.ts'
import { unique } from '../../helpers/broker.ts'
import { eventAt } from './harness.ts'

export const MINUTE = 60_000
export const DAY = 86_400_000

type Behaviour =
  | 'product.viewed'
  | 'product.clicked'
  | 'product.purchased'
  | 'recommendation.clicked'
  | 'cart.item_added'

/** A shopper's action on a product. */
export function act(type: Behaviour, userId: string, productId: string, at: number): BusRecord {
  return eventAt(type, { userId, productId, metadata: {} }, at)
}

export function searched(userId: string, at: number, query = 'lamp'): BusRecord {
  return eventAt('product.searched', { userId, query, metadata: {} }, at)
}

export function rated(userId: string, productId: string, rating: number, at: number): BusRecord {
  return eventAt('product.rated', { userId, productId, rating, metadata: {} }, at)
}

export function account(
  type: 'user.registered' | 'user.logged_in',
  userId: string,
  at: number,
): BusRecord {
  return eventAt(type, { userId, metadata: {} }, at)
}

export interface TestOrder {
  orderId: string
  userId: string
  items: { productId: string; quantity: number; priceMinor: number }[]
  totalMinor: number
  discountMinor?: number
}

export function newOrder(userId: string, items: TestOrder['items'], discountMinor = 0): TestOrder {
  const lines = items.reduce((s, i) => s + i.quantity * i.priceMinor, 0)
  return {
    orderId: unique('order'),
    userId,
    items,
    totalMinor: lines - discountMinor,
    discountMinor,
  }
}

export function created(order: TestOrder, at: number, id?: string): BusRecord {
  const { orderId, userId, items, totalMinor, discountMinor } = order
  return eventAt(
    'order.created',
    {
      orderId,
      correlationId: orderId,
      userId,
      items,
      totalMinor,
      currency: 'EUR',
      ...(discountMinor ? { couponCode: 'TEST', discountMinor } : {}),
      metadata: {},
    },
    at,
    id,
  )
}

export function ended(
  order: TestOrder,
  status: 'completed' | 'cancelled' | 'payment_capturing',
  at: number,
  id?: string,
): BusRecord {
  const { orderId, userId } = order
  return eventAt(
    'order.status_updated',
    { orderId, correlationId: orderId, userId, status, step: 'test' },
    at,
    id,
  )
}

export function captured(order: TestOrder, at: number): BusRecord {
  const { orderId, totalMinor } = order
  return eventAt(
    'payment.captured',
    {
      orderId,
      correlationId: orderId,
      commandId: unique('cmd'),
      paymentId: unique('pay'),
      amountMinor: totalMinor,
      currency: 'EUR',
    },
    at,
  )
}

export function refunded(order: TestOrder, amountMinor: number, at: number): BusRecord {
  const { orderId } = order
  return eventAt(
    'payment.refunded',
    { orderId, correlationId: orderId, commandId: unique('cmd'), amountMinor, currency: 'EUR' },
    at,
  )
}

/** A varied set of events around `now`: what a live shop sends, with its irregularities. */
export function shopDay(now: number): { records: BusRecord[]; distinct: number } {
  const [ann, bob, cat] = [unique('ann'), unique('bob'), unique('cat')]
  const [lamp, desk] = [unique('lamp'), unique('desk')]
  const view = act('product.viewed', ann, lamp, now)
  const inOrder = newOrder(ann, [{ productId: lamp, quantity: 2, priceMinor: 1250 }])
  const reversed = newOrder(bob, [
    { productId: lamp, quantity: 1, priceMinor: 1250 },
    { productId: desk, quantity: 3, priceMinor: 999 },
  ])
  const cancelled = newOrder(cat, [{ productId: desk, quantity: 1, priceMinor: 999 }])
  const records = [
    view,
    view, // redelivered: the same id again
    act('product.viewed', bob, desk, now + 10),
    searched(bob, now + 20),
    act('product.clicked', bob, desk, now + 30),
    act('cart.item_added', bob, desk, now + 40),
    // Late: a view from three days ago, after bob's on-time events (same key, same partition).
    act('product.viewed', bob, lamp, now - 3 * DAY),
    account('user.registered', cat, now + 50),
    rated(ann, lamp, 3.5, now + 60),
    created(inOrder, now + 70),
    captured(inOrder, now + 80),
    ended(inOrder, 'completed', now + 90),
    // Out of order: the completion first, its creation (five minutes earlier) after it.
    ended(reversed, 'completed', now + 100),
    created(reversed, now - 5 * MINUTE),
    created(cancelled, now + 110),
    captured(cancelled, now + 120),
    refunded(cancelled, 999, now + 130),
    ended(cancelled, 'cancelled', now + 140),
    act('product.purchased', ann, lamp, now + 150),
  ]
  return { records, distinct: records.length - 1 }
}
