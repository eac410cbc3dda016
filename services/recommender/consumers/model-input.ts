// The records the models learn from, checked once for the whole service: a malformed one goes to
// its topic's DLQ (with the error in its headers, for an admin to fix and replay). The replicas'
// followers skip the same records, so the models are never touched by them.
import { z } from 'zod'
import { type ConsumerDefinition, defineConsumer } from '../../../shared/consumers/define.ts'
import type { TopicName } from '../../../shared/events/topics.ts'
import { EVENT_TYPES, type EventType } from '../../../shared/events/types.ts'
import { MODEL_TOPICS, MODEL_TYPES } from '../events.ts'

/**
 * The group checking one topic: a group per topic, since members of one group subscribing to
 * different topics rely on the assignor honouring each member's subscription.
 */
export const inputGroup = (topic: string) => `recommender-input-${topic}`

/**
 * One consumer per model topic, each in its own `recommender-input-<topic>` group. The runner dead-letters a record
 * without CloudEvents headers, with a body that is not JSON or of an unknown type; this handler adds
 * the catalog's data schema of the types the models read (a view without a product, say).
 */
export function modelInputConsumers(): ConsumerDefinition[] {
  return MODEL_TOPICS.map((topic) =>
    defineConsumer({
      group: inputGroup(topic),
      topic: topic as TopicName,
      types: MODEL_TYPES.filter((type) => EVENT_TYPES[type].topic === topic) as EventType[],
      schema: z.unknown(),
      // A check: no transaction or processed-event row per record (at 1,000 events/s, four of
      // them a record were most of the shop's database writes).
      readOnly: true,
      async handle(event) {
        // A ZodError is not retried: the record goes to the DLQ at once.
        EVENT_TYPES[event.type].schema.parse(event.data)
      },
    }),
  )
}
