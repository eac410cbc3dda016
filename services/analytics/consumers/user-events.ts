// Shoppers' behaviour and account lifecycle: views, searches, clicks, ratings, purchases,
// recommendation clicks, registrations, log-ins and log-outs.
import { defineConsumer } from '../../../shared/consumers/define.ts'
import { rollUpHandlers } from '../apply.ts'
import { ANALYTICS_TYPES } from '../effects.ts'

export const USER_EVENTS_GROUP = 'analytics-user-events'

/** Rolls up `user-events`; user ids are pseudonymised with `secret` before anything is stored. */
export function userEvents(secret: string) {
  return defineConsumer({
    group: USER_EVENTS_GROUP,
    topic: 'user-events',
    types: ANALYTICS_TYPES['user-events'],
    ...rollUpHandlers(secret),
  })
}
