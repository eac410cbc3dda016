import { expect, test } from 'bun:test'
import { createApp } from '../../../shared/http/app.ts'
import { rateLimit } from '../../../shared/http/rate-limit.ts'

test('answers 429 problem+json with Retry-After once a client exceeds its limit', async () => {
  const app = createApp({ maxBodyBytes: 1024 })
  app.use('/limited', rateLimit({ limit: 3, windowMs: 60_000, trustProxy: true }))
  app.get('/limited', (c) => c.text('ok'))
  const hit = (ip: string) => app.request('/limited', { headers: { 'x-forwarded-for': ip } })
  for (let i = 0; i < 3; i++) expect((await hit('10.0.0.1')).status).toBe(200)
  const limited = await hit('10.0.0.1')
  expect(limited.status).toBe(429)
  expect(limited.headers.get('content-type')).toContain('application/problem+json')
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
  expect((await hit('10.0.0.2')).status).toBe(200)
})

test('a client cannot escape its limit by forging X-Forwarded-For entries in front of its own', async () => {
  const app = createApp({ maxBodyBytes: 1024 })
  app.use('/limited', rateLimit({ limit: 2, windowMs: 60_000, trustProxy: true }))
  app.get('/limited', (c) => c.text('ok'))
  const statuses: number[] = []
  for (let i = 0; i < 4; i++) {
    const forged = `203.0.113.${i}, 10.0.0.9`
    statuses.push(
      (await app.request('/limited', { headers: { 'x-forwarded-for': forged } })).status,
    )
  }
  expect(statuses).toEqual([200, 200, 429, 429])
})
