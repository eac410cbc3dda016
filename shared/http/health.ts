import { sql } from 'drizzle-orm'
import { Hono } from 'hono'
import type { EventBus } from '../bus/types.ts'
import type { Db } from '../db/client.ts'
import { registry } from '../observability/metrics.ts'

export interface HealthDeps {
  db: Db
  bus: EventBus
  service: string
}

const started = Date.now()

async function check(probe: () => Promise<unknown>, timeoutMs = 2000): Promise<string> {
  try {
    await Promise.race([
      probe(),
      Bun.sleep(timeoutMs).then(() => {
        throw new Error(`no answer within ${timeoutMs} ms`)
      }),
    ])
    return 'ok'
  } catch (error) {
    return `failed: ${(error as Error).message}`
  }
}

/** `/healthz` (alive), `/readyz` (database and bus answer), `/api/health` (the seed's shape) and `/metrics`. */
export function healthRoutes(deps: HealthDeps): Hono {
  const app = new Hono()
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', async (c) => {
    const [database, bus] = await Promise.all([
      check(() => deps.db.run(sql`select 1`)),
      check(() => deps.bus.ping()),
    ])
    const ready = database === 'ok' && bus === 'ok'
    return c.json(
      { status: ready ? 'ready' : 'not ready', checks: { database, bus } },
      ready ? 200 : 503,
    )
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
