// Orders: their creation (placed, total, lines) and how they ended (completed or cancelled).
import { defineConsumer } from '../../../shared/consumers/define.ts'
import { rollUpHandlers } from '../apply.ts'
import { ANALYTICS_TYPES, concernsAnalytics } from '../effects.ts'

export const ORDER_EVENTS_GROUP = 'analytics-order-events'

/** Rolls up `order-events`; user ids are pseudonymised with `secret` before anything is stored. */
export function orderEvents(secret: string) {
  return defineConsumer({
    group: ORDER_EVENTS_GROUP,
    topic: 'order-events',
    types: ANALYTICS_TYPES['order-events'],
    // An order's statuses on its way (five or so) tell analytics nothing: no transaction for them.
    wants: concernsAnalytics,
    ...rollUpHandlers(secret),
  })
}
