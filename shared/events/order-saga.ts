// The order saga's events: the orchestrator's commands to its participants and their answers, all
// keyed by order id so that one order's commands and answers keep their order on a partition.
// A command's `commandId` is the same on every retry of it: a participant applies it once and
// answers a repeat with what it answered the first time.
import { z } from 'zod'
import type { TopicName } from './topics.ts'

const id = z.string().trim().min(1).max(128)

/** What ties one saga's events together. */
const sagaRef = z.object({ orderId: id, correlationId: id })
const command = sagaRef.extend({ commandId: id })
/** A participant's refusal: a machine reason (`card_declined`) and words a shopper understands. */
const refusal = command.extend({
  reason: z.string().min(1).max(64),
  message: z.string().min(1).max(300),
})
const money = { amountMinor: z.number().int().min(0), currency: z.string().length(3) }
const lines = z
  .array(z.object({ productId: id, quantity: z.number().int().min(1).max(10_000) }))
  .min(1)
const address = z.object({
  name: z.string().min(1).max(100),
  street: z.string().min(1).max(200),
  city: z.string().min(1).max(100),
  postalCode: z.string().min(1).max(20),
  country: z.string().min(1).max(60),
})

/** The statuses an order goes through; `completed` and `cancelled` are terminal. */
export const ORDER_STATUSES = [
  'placed',
  'payment_authorizing',
  'inventory_reserving',
  'shipment_creating',
  'payment_capturing',
  'compensating',
  'completed',
  'cancelled',
] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]

interface Spec<S extends z.ZodType> {
  topic: TopicName
  keyField: string
  schema: S
  ingestible: false
}

function on<S extends z.ZodType>(topic: TopicName, schema: S, keyField = 'orderId'): Spec<S> {
  return { topic, keyField, schema, ingestible: false }
}

/** Spread into the catalog of event types (`EVENT_TYPES`). */
export const SAGA_EVENT_TYPES = {
  'order.status_updated': on(
    'order-events',
    sagaRef.extend({
      userId: id,
      status: z.enum(ORDER_STATUSES),
      /** The step the saga reached or left. */
      step: z.string().min(1).max(64),
      reason: z.string().max(64).optional(),
      message: z.string().max(300).optional(),
    }),
  ),
  'payment.authorization_requested': on(
    'payment-events',
    command.extend({ userId: id, ...money, cardToken: z.string().min(1).max(64) }),
  ),
  'payment.authorized': on('payment-events', command.extend({ paymentId: id, ...money })),
  'payment.declined': on('payment-events', refusal),
  'payment.capture_requested': on('payment-events', command.extend(money)),
  'payment.captured': on('payment-events', command.extend({ paymentId: id, ...money })),
  'payment.capture_failed': on('payment-events', refusal),
  'payment.void_requested': on('payment-events', command),
  'payment.voided': on('payment-events', command),
  'payment.refund_requested': on('payment-events', command),
  'payment.refunded': on('payment-events', command.extend(money)),
  'inventory.reservation_requested': on('inventory-events', command.extend({ items: lines })),
  'inventory.reserved': on('inventory-events', command.extend({ items: lines })),
  'inventory.reservation_failed': on(
    'inventory-events',
    refusal.extend({ productId: id.optional() }),
  ),
  'inventory.release_requested': on('inventory-events', command),
  'inventory.released': on('inventory-events', command),
  'shipment.creation_requested': on(
    'shipping-events',
    command.extend({ userId: id, address, items: lines }),
  ),
  'shipment.created': on('shipping-events', command.extend({ shipmentId: id })),
  'shipment.failed': on('shipping-events', refusal),
  'shipment.cancellation_requested': on('shipping-events', command),
  'shipment.cancelled': on('shipping-events', command),
  /** A message for a shopper (the notifications menu), keyed by the shopper. */
  'notification.created': on(
    'notification-events',
    z.object({
      notificationId: id,
      userId: id,
      orderId: id.optional(),
      kind: z.enum(['order_confirmed', 'order_cancelled']),
      title: z.string().min(1).max(200),
      body: z.string().max(1000),
    }),
    'userId',
  ),
} as const
