// The admin's JSON API for A/B experiments: list, create, stop or restart, and read results.
import { Hono, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import type { Db } from '../../../shared/db/client.ts'
import { jsonBody } from '../../../shared/http/json-body.ts'
import { valid } from '../../../shared/http/validate.ts'
import { experimentSchema } from './experiment.ts'
import type { ExperimentRegistry } from './registry.ts'
import { experimentResultsById, resultsOf } from './reports.ts'
import { createExperiment, getExperiment, listExperiments, setExperimentStatus } from './store.ts'

/** A new experiment: as configured, except that it starts now unless told otherwise. */
export const experimentCreateSchema = experimentSchema.extend({
  startedAt: experimentSchema.shape.startedAt.optional(),
})

export const experimentStatusSchema = z.strictObject({
  status: z.enum(['running', 'stopped'], { error: 'status must be running or stopped' }),
})

const idParam = z.object({ id: z.string().min(1).max(64) })

export interface ExperimentRouteDeps {
  db: Db
  registry: ExperimentRegistry
  /** Lets only admins through; the accounts context provides it. */
  requireAdmin: MiddlewareHandler
}

/**
 * `GET|POST /api/admin/experiments`, `GET|PATCH /api/admin/experiments/:id` and
 * `GET /api/admin/experiments/:id/results`, for admins only. A change is served by this process at
 * once and by every other within the registry's refresh interval.
 */
export function experimentRoutes(deps: ExperimentRouteDeps): Hono {
  const { db, registry, requireAdmin } = deps
  const app = new Hono()
  // The role check comes first: a stranger learns nothing, not even which ids exist.
  app.use('/api/admin/experiments', requireAdmin)
  app.use('/api/admin/experiments/*', requireAdmin)

  app.get('/api/admin/experiments', async (c) => {
    const all = await listExperiments(db)
    const data = await Promise.all(
      all.map(async (experiment) => ({ ...experiment, results: await resultsOf(db, experiment) })),
    )
    return c.json({ data })
  })

  app.post('/api/admin/experiments', jsonBody, valid('json', experimentCreateSchema), async (c) => {
    const input = c.req.valid('json')
    const experiment = await createExperiment(
      db,
      { ...input, startedAt: input.startedAt ?? new Date().toISOString() },
      'api',
    )
    await registry.refresh()
    c.header('Location', `/api/admin/experiments/${encodeURIComponent(experiment.id)}`)
    return c.json({ data: experiment }, 201)
  })

  app.get('/api/admin/experiments/:id', valid('param', idParam), async (c) => {
    const experiment = await getExperiment(db, c.req.valid('param').id)
    return c.json({ data: { ...experiment, results: await resultsOf(db, experiment) } })
  })

  app.patch(
    '/api/admin/experiments/:id',
    valid('param', idParam),
    jsonBody,
    valid('json', experimentStatusSchema),
    async (c) => {
      const { id } = c.req.valid('param')
      const experiment = await setExperimentStatus(db, id, c.req.valid('json').status)
      await registry.refresh()
      return c.json({ data: experiment })
    },
  )

  app.get('/api/admin/experiments/:id/results', valid('param', idParam), async (c) =>
    c.json({ data: await experimentResultsById(db, c.req.valid('param').id) }),
  )

  return app
}
