import { sql } from 'drizzle-orm'
import { Hono } from 'hono'
import type { EventBus } from '../bus/types.ts'
import type { Db } from '../db/client.ts'
import { log } from '../observability/log.ts'
import { registry } from '../observability/metrics.ts'
import { problemResponse } from './problem.ts'

export interface HealthDeps {
  db: Db
  bus: EventBus
  service: string
}

const started = Date.now()

// The reason stays in our logs: an anonymous caller learns which dependency failed, not why.
async function check(
  name: string,
  probe: () => Promise<unknown>,
  timeoutMs = 2000,
): Promise<'ok' | 'failed'> {
  try {
    await Promise.race([
      probe(),
      Bun.sleep(timeoutMs).then(() => {
        throw new Error(`no answer within ${timeoutMs} ms`)
      }),
    ])
    return 'ok'
  } catch (error) {
    log.warn({ err: error, dependency: name }, 'readiness check failed')
    return 'failed'
  }
}

/** `/healthz` (alive), `/readyz` (database and bus answer), `/api/health` (the seed's shape) and `/metrics`. */
export function healthRoutes(deps: HealthDeps): Hono {
  const app = new Hono()
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', async (c) => {
    const [database, bus] = await Promise.all([
      check('database', () => deps.db.run(sql`select 1`)),
      check('bus', () => deps.bus.ping()),
    ])
    if (database === 'ok' && bus === 'ok')
      return c.json({ status: 'ready', checks: { database, bus } })
    const failed = [database === 'failed' && 'database', bus === 'failed' && 'bus'].filter(Boolean)
    return problemResponse(c, {
      status: 503,
      code: 'NOT_READY',
      detail: `Not ready: the ${failed.join(' and the ')} did not answer`,
      checks: { database, bus },
    })
  })
  app.get('/api/health', (c) =>
    c.json({
      status: 'OK',
      message: 'Streamshop is running',
      service: deps.service,
      bus: deps.bus.kind,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
    }),
  )
  app.get('/metrics', async (c) =>
    c.body(await registry.metrics(), 200, { 'content-type': registry.contentType }),
  )
  return app
}
