import { z } from 'zod'
import { type ConsumerDefinition, defineConsumer } from '../../../shared/consumers/define.ts'
import type { TopicName } from '../../../shared/events/topics.ts'
import { EVENT_TYPES, type EventType } from '../../../shared/events/types.ts'
import { ANSWER_TYPES, onAnswer, type SagaSettings } from '../saga.ts'
import { advanceSaga } from '../saga-store.ts'

/** What the orchestrator reads of any answer; each type's full schema is its participant's. */
const answerSchema = z.looseObject({
  orderId: z.string().min(1),
  commandId: z.string().min(1),
  reason: z.string().optional(),
  message: z.string().optional(),
  paymentId: z.string().optional(),
  shipmentId: z.string().optional(),
})

/**
 * The orchestrator's consumer of one participant's topic: each answer moves its order's saga on
 * (or is ignored when the saga no longer waits for it). A group per topic: `orders-<topic>`.
 */
export function answerConsumer(topic: TopicName, settings: SagaSettings): ConsumerDefinition {
  const types = ANSWER_TYPES.filter((t) => EVENT_TYPES[t].topic === topic) as EventType[]
  return defineConsumer({
    group: `orders-${topic}`,
    topic,
    types,
    schema: answerSchema,
    async handle(event, ctx) {
      const { orderId, commandId, reason, message, paymentId, shipmentId } = event.data
      await advanceSaga(
        ctx.tx,
        orderId,
        (state, now) =>
          onAnswer(state, { type: event.type, commandId, reason, message }, now, settings),
        { paymentId, shipmentId },
      )
    },
  }) as ConsumerDefinition
}
