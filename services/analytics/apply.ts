// One consumed event into the roll-ups: what the live consumers and a rebuild both call, so a
// rebuilt table is the same as one filled live.
import type { Tx } from '../../shared/db/client.ts'
import { type AnalyticsEvent, effectsOf } from './effects.ts'
import { applyOrderFact } from './orders.ts'
import { analyticsUser } from './pseudonym.ts'
import { addToBuckets, addToProductDay, countSecond, markActive, markJourney } from './rollups.ts'

/**
 * Applies one event at its own time (`ce_time`), not its arrival's. Call it in the transaction that
 * records the event as processed: that is what makes it count once.
 */
export async function applyAnalyticsEvent(
  tx: Tx,
  event: AnalyticsEvent,
  secret: string,
): Promise<void> {
  const at = Date.parse(event.time)
  const effects = effectsOf(event, (userId) => analyticsUser(secret, userId))
  await addToBuckets(tx, at, { events: 1, ...effects.counters })
  await countSecond(tx, at)
  if (effects.activeUser) {
    await markActive(tx, at, effects.activeUser)
    if (effects.journey) {
      const { step, productId } = effects.journey
      await markJourney(tx, at, effects.activeUser, step, productId)
    }
  }
  if (effects.product) {
    await addToProductDay(tx, at, effects.product.productId, effects.product.counters)
  }
  if (effects.order) await applyOrderFact(tx, at, effects.order)
}
