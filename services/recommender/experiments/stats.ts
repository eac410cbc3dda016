// The statistics of an A/B test on rates: a proportion with its confidence interval, and whether
// two proportions differ. Pure functions over counts; everything is at 95% / two-sided.

/** The standard normal quantile at 0.975: the half-width, in standard errors, of a 95% interval. */
export const Z_95 = 1.959963984540054

export interface Counts {
  successes: number
  trials: number
}

export interface Interval {
  low: number
  high: number
}

export interface Proportion extends Counts {
  /** successes / trials; null with no trials, where there is nothing to estimate. */
  rate: number | null
  /** Wilson 95% interval; null with no trials. */
  ci: Interval | null
}

export type ZTest =
  | {
      ok: true
      /** (rate of a − rate of b) / pooled standard error: positive when a converts better. */
      z: number
      /** Two-sided. */
      p: number
      /** rate of a − rate of b, with Newcombe's 95% interval. */
      difference: { estimate: number; ci: Interval }
      /** rate of a / rate of b − 1, with a 95% interval; null where either side has no successes. */
      lift: { estimate: number; ci: Interval } | null
    }
  | { ok: false; reason: 'no-trials'; message: string }

function checkCounts({ successes, trials }: Counts): void {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0) {
    throw new RangeError(`counts must be whole and non-negative: ${successes}/${trials}`)
  }
  if (successes > trials) {
    throw new RangeError(`successes cannot exceed trials: ${successes}/${trials}`)
  }
}

/**
 * erfc(x), from Numerical Recipes' Chebyshev fit (`erfcc`): fractional error under 1.2e-7
 * everywhere. Chosen over Abramowitz–Stegun 7.1.26 because its error is relative, so tail
 * p-values such as 1e-9 keep their digits instead of drowning in an absolute 1.5e-7.
 */
export function erfc(x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t *
                          (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
  const value = t * Math.exp(-z * z + poly)
  return x >= 0 ? value : 2 - value
}

/** P(Z ≤ x) for a standard normal Z. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2)
}

/** P(|Z| ≥ |z|): computed as erfc directly, since 1 − Φ(z) loses the tail to cancellation. */
export function twoSidedP(z: number): number {
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2))
}

function wilson(successes: number, trials: number): Interval {
  const p = successes / trials
  const z2 = Z_95 * Z_95
  const denominator = 1 + z2 / trials
  const centre = (p + z2 / (2 * trials)) / denominator
  const half = (Z_95 * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator
  // Clamped because at 0 or n successes rounding can put a bound a few ulps outside [0, 1].
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) }
}

/**
 * A rate with its Wilson 95% interval, which unlike the textbook p ± 1.96·SE stays inside [0, 1]
 * and keeps its coverage at small counts and at rates near 0 — where click rates live.
 */
export function proportion(successes: number, trials: number): Proportion {
  checkCounts({ successes, trials })
  if (trials === 0) return { successes, trials, rate: null, ci: null }
  return { successes, trials, rate: successes / trials, ci: wilson(successes, trials) }
}

/**
 * Whether a's rate differs from b's: the two-proportion z-test with the pooled standard error
 * (the standard error under the null hypothesis that both rates are equal).
 * @example twoProportionZTest({ successes: 200, trials: 1000 }, { successes: 250, trials: 1000 })
 * // { ok: true, z: -2.677, p: 0.0074, … }
 */
export function twoProportionZTest(a: Counts, b: Counts): ZTest {
  checkCounts(a)
  checkCounts(b)
  if (a.trials === 0 || b.trials === 0) {
    return {
      ok: false,
      reason: 'no-trials',
      message: 'a side without trials has no rate to compare',
    }
  }
  const pa = a.successes / a.trials
  const pb = b.successes / b.trials
  const pooled = (a.successes + b.successes) / (a.trials + b.trials)
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.trials + 1 / b.trials))
  // A pooled rate of 0 or 1 means both sides saw exactly the same rate: no evidence of a difference.
  const z = se === 0 ? 0 : (pa - pb) / se
  return {
    ok: true,
    z,
    p: twoSidedP(z),
    difference: { estimate: pa - pb, ci: newcombeInterval(a, b) },
    lift: relativeLift(a, b),
  }
}

/**
 * Newcombe's hybrid score interval for pa − pb (method 10, Stat Med 1998), built from the two Wilson
 * intervals. Chosen over the unpooled Wald interval, which collapses to zero width when a side has
 * no successes — exactly the early days of an experiment.
 */
function newcombeInterval(a: Counts, b: Counts): Interval {
  const pa = a.successes / a.trials
  const pb = b.successes / b.trials
  const ia = wilson(a.successes, a.trials)
  const ib = wilson(b.successes, b.trials)
  const d = pa - pb
  return {
    low: d - Math.sqrt((pa - ia.low) ** 2 + (ib.high - pb) ** 2),
    high: d + Math.sqrt((ia.high - pa) ** 2 + (pb - ib.low) ** 2),
  }
}

/**
 * pa / pb − 1 with the Katz log interval for the ratio of two proportions. Undefined (null) when
 * either side has no successes: the ratio is then 0 or infinite and its log has no standard error.
 */
function relativeLift(a: Counts, b: Counts): { estimate: number; ci: Interval } | null {
  if (a.successes === 0 || b.successes === 0) return null
  const ratio = a.successes / a.trials / (b.successes / b.trials)
  const seLog = Math.sqrt(1 / a.successes - 1 / a.trials + 1 / b.successes - 1 / b.trials)
  return {
    estimate: ratio - 1,
    ci: { low: ratio * Math.exp(-Z_95 * seLog) - 1, high: ratio * Math.exp(Z_95 * seLog) - 1 },
  }
}
