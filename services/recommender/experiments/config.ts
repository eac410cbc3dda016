// The experiments the recommender runs, from the `RECOMMENDER_EXPERIMENTS` env value (a JSON array).
// shared/config reads the variable as a string; this turns it into checked experiments.
import { z } from 'zod'
import { type FieldError, ValidationError } from '../../../shared/errors.ts'
import { type Experiment, experimentSchema, noRepeats } from './experiment.ts'

const FIELD = 'RECOMMENDER_EXPERIMENTS'

/** What runs when `RECOMMENDER_EXPERIMENTS` is unset: the hybrid model against item-item, 50/50. */
export const DEFAULT_EXPERIMENT: Experiment = {
  id: 'recs-hybrid-vs-item-item',
  name: 'Hybrid vs item-item',
  variants: [
    { name: 'control', strategy: 'hybrid', weight: 50 },
    { name: 'item-item', strategy: 'item-item', weight: 50 },
  ],
  status: 'running',
  // Fixed rather than "now": a start that moved with every restart would make each process report
  // a different experiment.
  startedAt: '2026-01-01T00:00:00.000Z',
  conversionWindowMs: 24 * 60 * 60 * 1000,
}

const experimentsSchema = z
  .array(experimentSchema)
  .superRefine(noRepeats('id', 'experiment id'))
  .superRefine((experiments, ctx) => {
    // Only one experiment can choose the strategy a shopper sees.
    const running = experiments.filter((e) => e.status === 'running')
    if (running.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [experiments.lastIndexOf(running[running.length - 1] as Experiment), 'status'],
        message: `only one experiment can run at a time (${running.map((e) => e.id).join(', ')} are running)`,
      })
    }
  })

/** `RECOMMENDER_EXPERIMENTS[0].variants[1].weight` for the issue path [0, 'variants', 1, 'weight']. */
function fieldName(path: readonly PropertyKey[]): string {
  const parts = path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
  return FIELD + parts.join('')
}

/**
 * The experiments configured in `RECOMMENDER_EXPERIMENTS`: the default one when unset or blank,
 * none for `[]` (experiments off). Throws a ValidationError naming each bad field, e.g.
 * `RECOMMENDER_EXPERIMENTS[0].variants[1].weight: weight must be positive`.
 * @example parseExperiments(config.RECOMMENDER_EXPERIMENTS)
 */
export function parseExperiments(json: string | undefined): Experiment[] {
  if (json === undefined || json.trim() === '') return [structuredClone(DEFAULT_EXPERIMENT)]
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch (error) {
    const message = `not valid JSON (${error instanceof Error ? error.message : String(error)})`
    throw new ValidationError(`${FIELD} is ${message}`, [{ field: FIELD, message }])
  }
  const parsed = experimentsSchema.safeParse(raw)
  if (parsed.success) return parsed.data
  const errors: FieldError[] = parsed.error.issues.map((issue) => ({
    field: fieldName(issue.path),
    message: issue.message,
  }))
  const lines = errors.map((e) => `  ${e.field}: ${e.message}`)
  throw new ValidationError(`${FIELD} is invalid:\n${lines.join('\n')}`, errors)
}
