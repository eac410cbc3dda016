// The A/B facts, stored as they arrive: the experiments' results are computed from them.
import { z } from 'zod'
import { defineConsumer } from '../../../shared/consumers/define.ts'
import { ValidationError } from '../../../shared/errors.ts'
import { abTestFacts } from '../schema.ts'

export const RESULTS_GROUP = 'recommender-ab-results'

const TYPE = {
  'experiment.exposed': 'exposure',
  'experiment.clicked': 'click',
  'experiment.converted': 'conversion',
} as const

const fact = z.object({
  experimentId: z.string().min(1).max(64),
  variant: z.string().min(1).max(64),
  userId: z.string().min(1).max(128),
  productId: z.string().min(1).max(128).optional(),
})

/** One row per event, keyed by its id: a redelivered event changes nothing. */
export const abTestResults = defineConsumer({
  group: RESULTS_GROUP,
  topic: 'ab-test-events',
  types: ['experiment.exposed', 'experiment.clicked', 'experiment.converted'],
  schema: fact,
  async handle(event, ctx) {
    const type = TYPE[event.type]
    if (type !== 'exposure' && !event.data.productId) {
      // Not worth retrying: the record goes to the DLQ with this message.
      const message = `${event.type} needs a productId`
      throw new ValidationError(message, [{ field: 'productId', message }])
    }
    await ctx.tx
      .insert(abTestFacts)
      .values({
        eventId: event.id,
        experimentId: event.data.experimentId,
        type,
        variant: event.data.variant,
        userId: event.data.userId,
        productId: type === 'exposure' ? null : (event.data.productId ?? null),
        at: Date.parse(event.time),
      })
      .onConflictDoNothing()
  },
})
