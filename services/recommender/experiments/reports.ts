// What the admin sees of an experiment: its results, computed from the facts `ab-test-events`
// brought in. These are the query functions the admin dashboard shows.
import { eq } from 'drizzle-orm'
import type { Db } from '../../../shared/db/client.ts'
import { abTestFacts } from '../schema.ts'
import type { Experiment } from './experiment.ts'
import {
  type AbEvent,
  countAbEvent,
  createAbCounter,
  type ExperimentResults,
  experimentResults,
  variantCounts,
} from './results.ts'
import { getExperiment, listExperiments } from './store.ts'

type FactRow = typeof abTestFacts.$inferSelect

function asAbEvent(row: FactRow): AbEvent {
  const base = {
    experimentId: row.experimentId,
    variant: row.variant,
    userId: row.userId,
    at: row.at,
  }
  if (row.type === 'exposure') return { type: 'exposure', ...base }
  return { type: row.type, ...base, productId: row.productId ?? '' }
}

/**
 * CTR and conversion per variant, with 95% intervals and each variant against the control.
 * Recounted from the stored facts on every call: the same answer whatever order they arrived in.
 */
export async function resultsOf(db: Db, experiment: Experiment): Promise<ExperimentResults> {
  const rows = await db
    .select()
    .from(abTestFacts)
    .where(eq(abTestFacts.experimentId, experiment.id))
  const counter = createAbCounter()
  for (const row of rows) countAbEvent(counter, asAbEvent(row), experiment.conversionWindowMs)
  return experimentResults(experiment, variantCounts(counter, experiment))
}

/** One experiment's results by id; 404 when there is no such experiment. */
export async function experimentResultsById(db: Db, id: string): Promise<ExperimentResults> {
  return resultsOf(db, await getExperiment(db, id))
}

/** Every experiment's results, oldest experiment first. */
export async function allExperimentResults(db: Db): Promise<ExperimentResults[]> {
  const all = await listExperiments(db)
  return Promise.all(all.map((experiment) => resultsOf(db, experiment)))
}
