// What an experiment has shown so far: a counter that folds the A/B event stream into counts per
// variant, and the rates and significance tests computed from those counts.
import { z } from 'zod'
import type { Strategy } from '../models/types.ts'
import { controlOf, type Experiment } from './experiment.ts'
import { type Proportion, proportion, twoProportionZTest, type ZTest } from './stats.ts'

const eventBase = {
  experimentId: z.string().min(1),
  variant: z.string().min(1),
  userId: z.string().min(1),
  /** Epoch ms. */
  at: z.number().int().nonnegative(),
}

/**
 * One A/B fact: a user was shown a variant's recommendations, clicked one, or bought a product.
 * A conversion is the raw purchase; the counter decides whether it follows a click.
 */
export const abEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('exposure'), ...eventBase }),
  z.object({ type: z.literal('click'), ...eventBase, productId: z.string().min(1) }),
  z.object({ type: z.literal('conversion'), ...eventBase, productId: z.string().min(1) }),
])
export type AbEvent = z.infer<typeof abEventSchema>

interface UserTally {
  exposed: boolean
  /** Distinct products this user clicked in this variant. */
  clicks: number
  /** Distinct products whose conversion is credited to this variant. */
  conversions: number
}

interface PairTally {
  /** Distinct click times per variant, ascending. */
  clicks: Record<string, number[]>
  /** Distinct purchase times, ascending. */
  purchases: number[]
  creditedTo: string | null
}

interface ExperimentTally {
  /** Variant → user id → what the user did there. */
  users: Record<string, Record<string, UserTally>>
  /** JSON `[userId, productId]` → that pair's clicks and purchases. */
  pairs: Record<string, PairTally>
}

/**
 * The counter's whole state: plain objects and arrays only, so it survives `JSON.stringify` and can
 * be snapshotted or rebuilt by replaying the log. It keeps facts (who, what, when), not running
 * totals, which is what makes the counts the same whatever order the events arrive in.
 */
export interface AbCounter {
  experiments: Record<string, ExperimentTally>
}

export function createAbCounter(): AbCounter {
  return { experiments: {} }
}

// Keys are user ids and variant names from events: a plain `record[key]` would read `constructor`
// off the prototype and turn `__proto__` into a prototype swap. Own properties only.
function lookup<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined
}

function entry<T>(record: Record<string, T>, key: string, create: () => T): T {
  const found = lookup(record, key)
  if (found !== undefined) return found
  const value = create()
  Object.defineProperty(record, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  })
  return value
}

/** Inserts keeping ascending order; false for a time already there (a duplicate event). */
function insertSorted(times: number[], at: number): boolean {
  let i = times.length
  while (i > 0 && (times[i - 1] as number) > at) i--
  if (times[i - 1] === at) return false
  times.splice(i, 0, at)
  return true
}

function userIn(tally: ExperimentTally, variant: string, userId: string): UserTally {
  const users = entry(tally.users, variant, () => ({}))
  return entry(users, userId, () => ({ exposed: false, clicks: 0, conversions: 0 }))
}

/**
 * The credit goes to the earliest click that a purchase followed within the window (ties by variant
 * name). Being a function of the facts alone, it lands in the same place in any arrival order; a
 * late, earlier click may move it, never remove it.
 */
function creditedVariant(pair: PairTally, windowMs: number): string | null {
  const clicks = Object.entries(pair.clicks)
    .flatMap(([variant, times]) => times.map((at) => ({ variant, at })))
    .sort((x, y) => x.at - y.at || (x.variant < y.variant ? -1 : 1))
  const followed = clicks.find(({ at }) =>
    pair.purchases.some((p) => p >= at && p - at <= windowMs),
  )
  return followed?.variant ?? null
}

function recredit(tally: ExperimentTally, pair: PairTally, userId: string, windowMs: number) {
  const variant = creditedVariant(pair, windowMs)
  if (variant === pair.creditedTo) return false
  if (pair.creditedTo !== null) userIn(tally, pair.creditedTo, userId).conversions--
  if (variant !== null) userIn(tally, variant, userId).conversions++
  pair.creditedTo = variant
  return true
}

/**
 * Folds one event into the counter, in place. Duplicates change nothing; a purchase seen before
 * the click it follows is kept and counts when the click arrives. Returns whether any count moved.
 * @param conversionWindowMs the event's experiment's `conversionWindowMs`.
 */
export function countAbEvent(
  counter: AbCounter,
  event: AbEvent,
  conversionWindowMs: number,
): boolean {
  const tally = entry(counter.experiments, event.experimentId, () => ({ users: {}, pairs: {} }))
  if (event.type === 'exposure') {
    const user = userIn(tally, event.variant, event.userId)
    if (user.exposed) return false
    user.exposed = true
    return true
  }
  const pair = entry(tally.pairs, JSON.stringify([event.userId, event.productId]), () => ({
    clicks: {},
    purchases: [],
    creditedTo: null,
  }))
  if (event.type === 'conversion') {
    if (!insertSorted(pair.purchases, event.at)) return false
    return recredit(tally, pair, event.userId, conversionWindowMs)
  }
  const times = entry(pair.clicks, event.variant, () => [])
  const firstClick = times.length === 0
  if (!insertSorted(times, event.at)) return false
  if (firstClick) userIn(tally, event.variant, event.userId).clicks++
  return recredit(tally, pair, event.userId, conversionWindowMs) || firstClick
}

/** What one variant has seen. */
export interface VariantCounts {
  variant: string
  /** Distinct users shown the variant's recommendations. */
  exposures: number
  /** Distinct (user, product) clicks. */
  clicks: number
  /** Distinct (user, product) purchases after a click, within the window. */
  conversions: number
  /** Exposed users with at least one click: the successes of the click-through rate. */
  clickedUsers: number
  /** Exposed users with at least one conversion: the successes of the conversion rate. */
  convertedUsers: number
}

const noCounts = (variant: string): VariantCounts => ({
  variant,
  exposures: 0,
  clicks: 0,
  conversions: 0,
  clickedUsers: 0,
  convertedUsers: 0,
})

/** The counts of each of the experiment's variants, in its order; zeros where nothing was seen. */
export function variantCounts(counter: AbCounter, experiment: Experiment): VariantCounts[] {
  const tally = lookup(counter.experiments, experiment.id)
  return experiment.variants.map(({ name }) => {
    const counts = noCounts(name)
    for (const user of Object.values((tally && lookup(tally.users, name)) ?? {})) {
      counts.clicks += user.clicks
      counts.conversions += user.conversions
      // Rates count only users known to be exposed, so that each trial is one exposed user.
      if (!user.exposed) continue
      counts.exposures++
      if (user.clicks > 0) counts.clickedUsers++
      if (user.conversions > 0) counts.convertedUsers++
    }
    return counts
  })
}

export type Comparison = ZTest & { significant: boolean }

export interface VariantResult {
  variant: string
  strategy: Strategy
  isControl: boolean
  counts: VariantCounts
  /** Share of exposed users who clicked a recommendation, with its 95% interval. */
  ctr: Proportion
  /** Share of exposed users who bought a product they clicked, within the window. */
  conversionRate: Proportion
  /** This variant against the control (z > 0: this one does better); null for the control. */
  vsControl: { ctr: Comparison; conversionRate: Comparison } | null
}

export interface ExperimentResults {
  experimentId: string
  name: string
  status: Experiment['status']
  alpha: number
  variants: VariantResult[]
}

function compare(variant: Proportion, control: Proportion, alpha: number): Comparison {
  const test = twoProportionZTest(variant, control)
  return { ...test, significant: test.ok && test.p < alpha }
}

/**
 * Rates per variant and each variant against the control (the first). Rates are per exposed user,
 * not per click: a binomial test needs one independent trial per unit, and one user clicking five
 * products is one user, not five trials. The raw click and conversion totals stay in `counts`.
 * Each comparison is tested at `alpha` on its own, with no correction for several variants.
 */
export function experimentResults(
  experiment: Experiment,
  counts: readonly VariantCounts[],
  alpha = 0.05,
): ExperimentResults {
  const countsOf = (name: string) => counts.find((c) => c.variant === name) ?? noCounts(name)
  const rates = (c: VariantCounts) => ({
    ctr: proportion(c.clickedUsers, c.exposures),
    conversionRate: proportion(c.convertedUsers, c.exposures),
  })
  const control = rates(countsOf(controlOf(experiment).name))
  return {
    experimentId: experiment.id,
    name: experiment.name,
    status: experiment.status,
    alpha,
    variants: experiment.variants.map((variant, i) => {
      const own = countsOf(variant.name)
      const { ctr, conversionRate } = rates(own)
      return {
        variant: variant.name,
        strategy: variant.strategy,
        isControl: i === 0,
        counts: own,
        ctr,
        conversionRate,
        vsControl:
          i === 0
            ? null
            : {
                ctr: compare(ctr, control.ctr, alpha),
                conversionRate: compare(conversionRate, control.conversionRate, alpha),
              },
      }
    }),
  }
}
