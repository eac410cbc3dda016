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
  /** This process's consumers: each must have joined its group for the process to be ready. */
  consumers?: () => { group: string; topic: string; state: string }[]
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
    const consumers = (deps.consumers?.() ?? []).map((k) => ({
      group: k.group,
      topic: k.topic,
      state: k.state,
    }))
    const idle = consumers.filter((k) => k.state !== 'running')
    if (database === 'ok' && bus === 'ok' && idle.length === 0)
      return c.json({ status: 'ready', checks: { database, bus }, consumers })
    const failed = [database === 'failed' && 'the database', bus === 'failed' && 'the bus'].filter(
      Boolean,
    )
    const problems = [
      failed.length > 0 && `${failed.join(' and ')} did not answer`,
      idle.length > 0 &&
        `consumer group${idle.length > 1 ? 's' : ''} ${idle.map((k) => `${k.group} (${k.state})`).join(', ')} not consuming`,
    ].filter(Boolean)
    return problemResponse(c, {
      status: 503,
      code: 'NOT_READY',
      detail: `Not ready: ${problems.join('; ')}`,
      checks: { database, bus },
      consumers,
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
