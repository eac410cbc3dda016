// Which module consumes which topic: "what happens when order.created arrives" is
// consumers/order-events.ts. Every consumer is one group per topic, `analytics-<topic>`.
import type { ConsumerDefinition } from '../../shared/consumers/define.ts'
import { analyticsEvents } from './consumers/analytics-events.ts'
import { cartEvents } from './consumers/cart-events.ts'
import { orderEvents } from './consumers/order-events.ts'
import { paymentEvents } from './consumers/payment-events.ts'
import { userEvents } from './consumers/user-events.ts'
import type { AnalyticsTopic } from './effects.ts'

const BY_TOPIC = {
  'user-events': userEvents,
  'cart-events': cartEvents,
  'order-events': orderEvents,
  'payment-events': paymentEvents,
  'analytics-events': analyticsEvents,
} satisfies Record<AnalyticsTopic, (secret: string) => ConsumerDefinition>

/** The analytics consumers, one per topic, pseudonymising user ids with `secret`. */
export function analyticsConsumers(secret: string): ConsumerDefinition[] {
  return Object.values(BY_TOPIC).map((consumer) => consumer(secret) as ConsumerDefinition)
}
