// An A/B experiment: which strategies compete, in what split, and which one a given user sees.
// Nothing here knows of HTTP, Kafka or SQL; routes and consumers call `assignVariant`.
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { STRATEGIES } from '../models/types.ts'

const DAY_MS = 24 * 60 * 60 * 1000

// Ids go into the hashed key `${id}:${userId}`; without a ':' in the id no two (id, user) pairs
// can produce the same key, and the id stays safe in URLs, metric labels and event payloads.
const ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/

/**
 * A list refinement: each repeat of an item's `key` is an issue at that item, e.g.
 * `[1, 'name']: variant name "a" is used twice`.
 */
export function noRepeats<K extends string>(key: K, label: string) {
  return (items: Record<K, string>[], ctx: z.core.$RefinementCtx<Record<K, string>[]>) => {
    const seen = new Set<string>()
    items.forEach((item, i) => {
      if (seen.has(item[key])) {
        ctx.addIssue({
          code: 'custom',
          path: [i, key],
          message: `${label} "${item[key]}" is used twice`,
        })
      }
      seen.add(item[key])
    })
  }
}

export const variantSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, 'name must not be empty')
    .max(64, 'name must be 64 characters at most'),
  strategy: z.enum(STRATEGIES, { error: `strategy must be one of ${STRATEGIES.join(', ')}` }),
  weight: z
    .number({ error: 'weight must be a number' })
    .positive('weight must be positive')
    .finite('weight must be finite'),
})

/** An experiment as configured; `status` defaults to running and the window to 24 hours. */
export const experimentSchema = z.strictObject({
  id: z
    .string()
    .max(64, 'id must be 64 characters at most')
    .regex(ID_PATTERN, 'id must be lower-case letters, digits and hyphens'),
  name: z.string().trim().min(1, 'name must not be empty'),
  variants: z
    .array(variantSchema)
    .min(2, 'an experiment needs at least 2 variants')
    .superRefine(noRepeats('name', 'variant name')),
  status: z.enum(['running', 'stopped']).default('running'),
  startedAt: z.iso.datetime({ offset: true, error: 'startedAt must be an ISO 8601 date-time' }),
  /** How long after a click a purchase of the clicked product still counts as its conversion. */
  conversionWindowMs: z
    .number({ error: 'conversionWindowMs must be a number' })
    .int('conversionWindowMs must be a whole number of milliseconds')
    .positive('conversionWindowMs must be positive')
    .default(DAY_MS),
})

export type Experiment = z.output<typeof experimentSchema>
export type Variant = Experiment['variants'][number]

/** The control is the first variant: every other one is compared against it. */
export function controlOf(experiment: Experiment): Variant {
  // The schema guarantees two or more variants; this only satisfies the index type.
  const control = experiment.variants[0]
  if (!control) throw new RangeError(`experiment ${experiment.id} has no variants`)
  return control
}

/**
 * The user's position in [0, 1) for this experiment: the first 48 bits of
 * SHA-256(`${experimentId}:${userId}`) divided by 2^48.
 *
 * SHA-256 because it is in every runtime, identical everywhere and seedless, so the same user lands
 * in the same variant across processes, replicas and restarts with nothing stored; and because its
 * output bits are uniform and unrelated between keys, so hashing the experiment id in makes two
 * experiments' splits independent of each other. 48 bits stay exact in a double.
 */
export function bucketOf(experimentId: string, userId: string): number {
  const digest = createHash('sha256').update(`${experimentId}:${userId}`).digest()
  return digest.readUIntBE(0, 6) / 2 ** 48
}

/**
 * The variant this user sees in this experiment: always the same one for the same user, as long as
 * the variants and their weights stay as they are (changing them moves users between variants).
 * @example assignVariant(experiment, 'user-42').strategy // 'hybrid'
 */
export function assignVariant(experiment: Experiment, userId: string): Variant {
  const total = experiment.variants.reduce((sum, v) => sum + v.weight, 0)
  const point = bucketOf(experiment.id, userId) * total
  let cumulative = 0
  for (const variant of experiment.variants) {
    cumulative += variant.weight
    if (point < cumulative) return variant
  }
  // Rounding in the running sum can leave a point a hair past the last boundary: it belongs there.
  return experiment.variants[experiment.variants.length - 1] ?? controlOf(experiment)
}
