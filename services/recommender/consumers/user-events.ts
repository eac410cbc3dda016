// Clicks on recommendations and purchases, turned into the A/B facts of the running experiment.
import { z } from 'zod'
import { defineConsumer } from '../../../shared/consumers/define.ts'
import { createEvent } from '../../../shared/events/envelope.ts'
import type { ExperimentRegistry } from '../experiments/registry.ts'

const SOURCE = '/streamshop/recommender'

/** Recommender-side consumers share this prefix; this one attributes behaviour to variants. */
export const ATTRIBUTION_GROUP = 'recommender-experiments'

const behaviour = z.object({
  userId: z.string().min(1).max(128),
  productId: z.string().min(1).max(128),
  orderId: z.string().min(1).max(128).optional(),
  metadata: z.record(z.string(), z.unknown()).default({}),
})

/**
 * `recommendation.clicked` becomes `experiment.clicked` when the click names the running
 * experiment and the shopper's own variant in its metadata (`experimentId`, `variant`), as the
 * storefront's panels and `GET /api/recommendations/:userId`'s metadata give them: a click on a
 * panel shown outside the experiment, or naming a variant the shopper is not in, counts for none.
 *
 * `product.purchased` by a shopper in the running experiment becomes `experiment.converted`; the
 * results count it as a conversion only when it follows the shopper's click on that product within
 * the experiment's window, whichever of the two arrives first.
 *
 * Events from before the experiment started, or while none runs, count for nothing.
 */
export function attributionConsumer(registry: ExperimentRegistry) {
  return defineConsumer({
    group: ATTRIBUTION_GROUP,
    topic: 'user-events',
    types: ['recommendation.clicked', 'product.purchased'],
    schema: behaviour,
    async handle(event, ctx) {
      const experiment = registry.running()
      const at = new Date(event.time)
      if (!experiment || at.getTime() < Date.parse(experiment.startedAt)) return
      const assignment = registry.assign(event.data.userId, at.getTime())
      if (!assignment) return
      const { userId, productId, metadata } = event.data
      const fact = { ...assignment, userId, productId }
      if (event.type === 'recommendation.clicked') {
        if (metadata.experimentId !== assignment.experimentId) return
        if (metadata.variant !== assignment.variant) return
        const position = typeof metadata.position === 'number' ? metadata.position : undefined
        ctx.emit(
          createEvent(
            'experiment.clicked',
            { ...fact, metadata: position === undefined ? {} : { position } },
            { source: SOURCE, time: at },
          ),
        )
        return
      }
      ctx.emit(
        createEvent(
          'experiment.converted',
          { ...fact, ...(event.data.orderId ? { orderId: event.data.orderId } : {}), metadata: {} },
          { source: SOURCE, time: at },
        ),
      )
    },
  })
}
