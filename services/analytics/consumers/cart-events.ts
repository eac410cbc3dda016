// Cart activity: adds (a funnel step and a product figure), removals and updates (activity).
import { defineConsumer } from '../../../shared/consumers/define.ts'
import { rollUpHandlers } from '../apply.ts'
import { ANALYTICS_TYPES } from '../effects.ts'

export const CART_EVENTS_GROUP = 'analytics-cart-events'

/** Rolls up `cart-events`; user ids are pseudonymised with `secret` before anything is stored. */
export function cartEvents(secret: string) {
  return defineConsumer({
    group: CART_EVENTS_GROUP,
    topic: 'cart-events',
    types: ANALYTICS_TYPES['cart-events'],
    ...rollUpHandlers(secret),
  })
}
