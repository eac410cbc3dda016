import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startTestShop, type TestShop } from '../helpers/shop.ts'

let shop: TestShop

beforeAll(async () => {
  shop = await startTestShop()
})

afterAll(() => shop.close())

test('/openapi.json describes every JSON route the shop serves, with request schemas from zod', async () => {
  const res = await shop.app.request('/openapi.json')
  expect(res.status).toBe(200)
  const doc = (await res.json()) as {
    paths: Record<
      string,
      Record<
        string,
        { requestBody?: { content: Record<string, { schema: { properties?: object } }> } }
      >
    >
  }
  const jsonRoutes = shop.app.routes.filter(
    (r) =>
      (r.path.startsWith('/api/') ||
        r.path.startsWith('/analytics/') ||
        ['/healthz', '/readyz', '/metrics'].includes(r.path)) &&
      r.method !== 'ALL',
  )
  expect(jsonRoutes.length).toBeGreaterThan(8)
  for (const route of jsonRoutes) {
    const path = route.path.replaceAll(/:(\w+)/g, '{$1}')
    expect({
      route: `${route.method} ${path}`,
      documented: Boolean(doc.paths[path]?.[route.method.toLowerCase()]),
    }).toEqual({
      route: `${route.method} ${path}`,
      documented: true,
    })
  }
  const productBody =
    doc.paths['/api/products']?.post?.requestBody?.content['application/json']?.schema
  expect(Object.keys(productBody?.properties ?? {})).toContain('priceMinor')
})
