import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import type { OrderStatus } from '../../shared/events/order-saga.ts'

export interface OrderItem {
  productId: string
  name: string
  priceMinor: number
  quantity: number
}

export interface ShippingAddress {
  name: string
  street: string
  city: string
  postalCode: string
  country: string
}

export const orders = sqliteTable(
  'orders',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    /** The client's Idempotency-Key (or the checkout form's): one order per key and user. */
    idempotencyKey: text('idempotency_key').notNull(),
    /** A hash of what the key was first sent with: the same key with another body is a conflict. */
    requestHash: text('request_hash').notNull().default(''),
    /** Ties the saga's events together. */
    correlationId: text('correlation_id').notNull().default(''),
    status: text('status').$type<OrderStatus>().notNull(),
    items: text('items', { mode: 'json' }).$type<OrderItem[]>().notNull(),
    /** What the shopper pays: the lines' subtotal less the coupon's discount. */
    totalMinor: integer('total_minor').notNull(),
    /** The coupon the order used (upper case), and what it took off the subtotal. */
    couponCode: text('coupon_code'),
    discountMinor: integer('discount_minor').notNull().default(0),
    currency: text('currency').notNull(),
    address: text('address', { mode: 'json' }).$type<ShippingAddress>().notNull(),
    cardLast4: text('card_last4').notNull(),
    /** The payment provider's token for the card (checkout never keeps the number). */
    cardToken: text('card_token').notNull().default(''),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('orders_idempotency').on(t.userId, t.idempotencyKey),
    index('orders_user').on(t.userId, t.createdAt),
  ],
)

export type Order = typeof orders.$inferSelect

/**
 * Where each order's saga stands, written at every step in the same transaction as the command it
 * sends: the step awaiting an answer, the command's id, its attempt and its deadline (a durable
 * timeout, found again after a restart), and which forward steps succeeded (what to compensate).
 */
export const orderSagas = sqliteTable(
  'order_sagas',
  {
    orderId: text('order_id').primaryKey(),
    correlationId: text('correlation_id').notNull(),
    userId: text('user_id').notNull(),
    status: text('status').$type<OrderStatus>().notNull(),
    phase: text('phase').$type<'forward' | 'compensating' | 'done'>().notNull(),
    /** The step awaiting an answer; null once the saga is over. */
    step: text('step'),
    commandId: text('command_id'),
    attempt: integer('attempt').notNull().default(1),
    /** When the saga next acts on its own: the step's answer is overdue, or its retry is due. */
    deadlineAt: integer('deadline_at'),
    deadlineKind: text('deadline_kind').$type<'answer' | 'retry'>(),
    /** Forward steps that succeeded, in order. */
    done: text('done', { mode: 'json' }).$type<string[]>().notNull(),
    /** While compensating: the compensations still to run after the current one, in order. */
    compensations: text('compensations', { mode: 'json' }).$type<string[]>().notNull(),
    reason: text('reason'),
    message: text('message'),
    paymentId: text('payment_id'),
    shipmentId: text('shipment_id'),
    /** Raised by every write: a write that finds another version lost a race and is retried. */
    version: integer('version').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  (t) => [
    index('order_sagas_deadline').on(t.phase, t.deadlineAt),
    // The admin's figures are per range of placement.
    index('order_sagas_created').on(t.createdAt),
  ],
)

/** The saga's history, a row per thing that happened to it: what the order page shows. */
export const orderSteps = sqliteTable(
  'order_steps',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orderId: text('order_id').notNull(),
    step: text('step').notNull(),
    outcome: text('outcome')
      .$type<'started' | 'succeeded' | 'failed' | 'retried' | 'timed_out' | 'compensated'>()
      .notNull(),
    detail: text('detail'),
    at: integer('at').notNull(),
  },
  (t) => [index('order_steps_order').on(t.orderId, t.id)],
)

export type OrderSaga = typeof orderSagas.$inferSelect
export type OrderStep = typeof orderSteps.$inferSelect
