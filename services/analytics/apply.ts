// Consumed events into the roll-ups: what the live consumers and a rebuild both call, so a rebuilt
// table is the same as one filled live.
import type { ConsumerContext } from '../../shared/consumers/define.ts'
import type { Tx } from '../../shared/db/client.ts'
import { type AnalyticsEvent, effectsOf, type OrderFact } from './effects.ts'
import { applyOrderFact } from './orders.ts'
import { analyticsUser } from './pseudonym.ts'
import { RollupRun } from './rollups.ts'

/**
 * Applies events at their own time (`ce_time`), not their arrival's: the roll-ups of the whole run
 * in a few statements, then what they say about orders, in order. Call it in the transaction that
 * records the events as processed: that is what makes each count once.
 */
export async function applyAnalyticsEvents(
  tx: Tx,
  events: readonly AnalyticsEvent[],
  secret: string,
): Promise<void> {
  const run = new RollupRun()
  const orders: { at: number; fact: OrderFact }[] = []
  for (const event of events) {
    const at = Date.parse(event.time)
    const effects = effectsOf(event, (userId) => analyticsUser(secret, userId))
    run.addToBuckets(at, { events: 1, ...effects.counters })
    run.countSecond(at)
    if (effects.activeUser) {
      run.markActive(at, effects.activeUser)
      if (effects.journey) {
        const { step, productId } = effects.journey
        run.markJourney(at, effects.activeUser, step, productId)
      }
    }
    if (effects.product) {
      run.addToProductDay(at, effects.product.productId, effects.product.counters)
    }
    if (effects.order) orders.push({ at, fact: effects.order })
  }
  await run.write(tx)
  for (const { at, fact } of orders) await applyOrderFact(tx, at, fact)
}

/** Applies one event: a run of one. */
export function applyAnalyticsEvent(tx: Tx, event: AnalyticsEvent, secret: string): Promise<void> {
  return applyAnalyticsEvents(tx, [event], secret)
}

/** An analytics consumer's `handle` and `handleRun`, pseudonymising users with `secret`. */
export function rollUpHandlers(secret: string) {
  return {
    handle: (event: AnalyticsEvent, ctx: ConsumerContext) =>
      applyAnalyticsEvent(ctx.tx, event, secret),
    handleRun: (events: AnalyticsEvent[], ctx: ConsumerContext) =>
      applyAnalyticsEvents(ctx.tx, events, secret),
  }
}
