// Page-level events: category listings viewed (their user id is already a pseudonym).
import { defineConsumer } from '../../../shared/consumers/define.ts'
import { rollUpHandlers } from '../apply.ts'
import { ANALYTICS_TYPES } from '../effects.ts'

export const ANALYTICS_EVENTS_GROUP = 'analytics-analytics-events'

/** Rolls up `analytics-events`; a user id that is not yet a pseudonym is made one with `secret`. */
export function analyticsEvents(secret: string) {
  return defineConsumer({
    group: ANALYTICS_EVENTS_GROUP,
    topic: 'analytics-events',
    types: ANALYTICS_TYPES['analytics-events'],
    ...rollUpHandlers(secret),
  })
}
