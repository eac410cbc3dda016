// Money moved: captures (taken) and refunds (given back, taken off a completed order's revenue).
// The saga's commands on this topic are skipped: they say what was asked, not what happened.
import { defineConsumer } from '../../../shared/consumers/define.ts'
import { rollUpHandlers } from '../apply.ts'
import { ANALYTICS_TYPES } from '../effects.ts'

export const PAYMENT_EVENTS_GROUP = 'analytics-payment-events'

/** Rolls up `payment-events` (they name no user; `secret` is for the shared signature). */
export function paymentEvents(secret: string) {
  return defineConsumer({
    group: PAYMENT_EVENTS_GROUP,
    topic: 'payment-events',
    types: ANALYTICS_TYPES['payment-events'],
    ...rollUpHandlers(secret),
  })
}
