import { afterAll, expect, test } from 'bun:test'
import { createApp } from '../../../shared/http/app.ts'
import { healthRoutes } from '../../../shared/http/health.ts'
import { kafkaBus, tempDatabase } from '../../helpers/broker.ts'

const database = await tempDatabase()
// Nothing listens on port 1: the bus cannot answer.
const deadBus = kafkaBus(['127.0.0.1:1'], { requestTimeoutMs: 500 })

afterAll(async () => {
  await deadBus.close()
  database.close()
})

test('readyz answers 503 problem+json naming the dependency that failed, without its internals', async () => {
  const app = createApp({ maxBodyBytes: 1024 })
  app.route('/', healthRoutes({ db: database.db, bus: deadBus, service: 'test' }))
  const res = await app.request('/readyz')
  expect(res.status).toBe(503)
  expect(res.headers.get('content-type')).toContain('application/problem+json')
  const body = (await res.json()) as { checks: Record<string, string>; detail: string }
  expect(body.checks).toEqual({ database: 'ok', bus: 'failed' })
  expect(body.detail).toContain('bus')
  expect(JSON.stringify(body)).not.toContain('127.0.0.1')
  expect((await app.request('/healthz')).status).toBe(200)
})
