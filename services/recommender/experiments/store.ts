// The experiments in the recommender's database: added from config on start, created and stopped by
// admins. At most one runs at a time, because only one can choose the strategy a shopper is shown;
// every write that starts one checks that in the same statement, so two admins cannot both win.
import { asc, eq, sql } from 'drizzle-orm'
import type { Db } from '../../../shared/db/client.ts'
import { ConflictError, NotFoundError } from '../../../shared/errors.ts'
import { log } from '../../../shared/observability/log.ts'
import { experiments } from '../schema.ts'
import type { Experiment } from './experiment.ts'

export type ExperimentSource = 'config' | 'api'

/** An experiment as stored, with where it came from. */
export type StoredExperiment = Experiment & {
  source: ExperimentSource
  createdAt: string
  updatedAt: string
}

type Row = typeof experiments.$inferSelect

function fromRow(row: Row): StoredExperiment {
  return {
    id: row.id,
    name: row.name,
    variants: row.variants,
    status: row.status,
    startedAt: row.startedAt,
    conversionWindowMs: row.conversionWindowMs,
    source: row.source,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  }
}

/** Oldest first. */
export async function listExperiments(db: Db): Promise<StoredExperiment[]> {
  const rows = await db
    .select()
    .from(experiments)
    .orderBy(asc(experiments.createdAt), experiments.id)
  return rows.map(fromRow)
}

export async function getExperiment(db: Db, id: string): Promise<StoredExperiment> {
  const [row] = await db.select().from(experiments).where(eq(experiments.id, id))
  if (!row) throw new NotFoundError(`No experiment ${id}`)
  return fromRow(row)
}

// True when no experiment other than `id` is running: the guard every start carries.
const noOtherRunning = (id: string) =>
  sql`not exists (select 1 from ${experiments} other where other.status = 'running' and other.id <> ${id})`

/**
 * Adds an experiment; 409 when the id is taken, or when it would run while another one does.
 * @example await createExperiment(db, parsed, 'api')
 */
export async function createExperiment(
  db: Db,
  experiment: Experiment,
  source: ExperimentSource,
  now = Date.now(),
): Promise<StoredExperiment> {
  const { id, name, variants, status, startedAt, conversionWindowMs } = experiment
  // One statement: the guard and the insert see the same snapshot.
  const result = await db.run(sql`
    insert into ${experiments}
      (id, name, variants, status, started_at, conversion_window_ms, source, created_at, updated_at)
    select ${id}, ${name}, ${JSON.stringify(variants)}, ${status}, ${startedAt},
      ${conversionWindowMs}, ${source}, ${now}, ${now}
    where ${status === 'running' ? noOtherRunning(id) : sql`true`}
    on conflict (id) do nothing`)
  if (result.rowsAffected === 1) return getExperiment(db, id)
  const [taken] = await db.select().from(experiments).where(eq(experiments.id, id))
  if (taken) throw new ConflictError(`Experiment ${id} already exists`)
  throw new ConflictError(`${await runningName(db)} is running: stop it before starting ${id}`)
}

async function runningName(db: Db): Promise<string> {
  const [running] = await db.select().from(experiments).where(eq(experiments.status, 'running'))
  return running ? `Experiment ${running.id}` : 'Another experiment'
}

/**
 * Stops an experiment, or runs it again; starting one while another runs is a 409. Its results are
 * kept either way: a stopped experiment counts nothing new.
 */
export async function setExperimentStatus(
  db: Db,
  id: string,
  status: Experiment['status'],
  now = Date.now(),
): Promise<StoredExperiment> {
  const current = await getExperiment(db, id)
  if (current.status === status) return current
  const result = await db.run(sql`
    update ${experiments} set status = ${status}, updated_at = ${now}
    where id = ${id} and ${status === 'running' ? noOtherRunning(id) : sql`true`}`)
  if (result.rowsAffected === 0) {
    throw new ConflictError(`${await runningName(db)} is running: stop it before starting ${id}`)
  }
  return getExperiment(db, id)
}

/**
 * Adds the configured experiments that the database does not have yet. One already there is left
 * as it is, so what an admin changed survives a restart. A configured experiment that would run
 * alongside another running one is added stopped, and the log says so.
 */
export async function addConfiguredExperiments(
  db: Db,
  configured: readonly Experiment[],
  now = Date.now(),
): Promise<void> {
  for (const experiment of configured) {
    const [known] = await db.select().from(experiments).where(eq(experiments.id, experiment.id))
    if (known) continue
    try {
      await createExperiment(db, experiment, 'config', now)
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error
      // Another process added it first, or another experiment runs: add it stopped.
      const [raced] = await db.select().from(experiments).where(eq(experiments.id, experiment.id))
      if (raced) continue
      log.warn(
        { experiment: experiment.id, reason: error.message },
        'configured experiment added stopped: another one is running',
      )
      await createExperiment(db, { ...experiment, status: 'stopped' }, 'config', now).catch(
        (raced: unknown) => {
          // Only another process adding the same one at the same moment can make this fail.
          if (!(raced instanceof ConflictError)) throw raced
        },
      )
    }
  }
}
