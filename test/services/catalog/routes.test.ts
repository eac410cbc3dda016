import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Hono, MiddlewareHandler } from 'hono'
import { seedCatalog } from '../../../services/catalog/demo-catalog.ts'
import { mountCatalog } from '../../../services/catalog/index.ts'
import type { Product } from '../../../services/catalog/products.ts'
import { addReview } from '../../../services/catalog/reviews.ts'
import type { ConsumedRecord } from '../../../shared/bus/types.ts'
import { AppError } from '../../../shared/errors.ts'
import { createServiceApp } from '../../../shared/http/serve.ts'
import { readTopic, unique } from '../../helpers/broker.ts'
import { readTopicSince, startTestShop, type TestShop } from '../../helpers/shop.ts'

let shop: TestShop
// The catalog as its own service app on the shop's platform (database, broker, relay): the role
// check is the caller's, and this file tests the catalog's part of it, not accounts or CSRF.
let app: Hono

// A test double for the accounts' role check only; everything else is the real thing.
const requireAdmin: MiddlewareHandler = async (c, next) => {
  if (c.req.header('x-test-role') !== 'admin')
    throw new AppError('This needs the admin role', { code: 'FORBIDDEN', status: 403 })
  await next()
}

beforeAll(async () => {
  shop = await startTestShop()
  await seedCatalog(shop.platform.database.db)
  app = createServiceApp(shop.platform, 'catalog-test')
  mountCatalog(app, shop.platform, { requireAdmin })
})

afterAll(() => shop.close())

const get = (path: string) => Promise.resolve(app.request(path))
const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  Promise.resolve(
    app.request(path, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    }),
  )
const asAdmin = { 'x-test-role': 'admin' }

interface ProblemBody {
  status: number
  code: string
  detail: string
  errors?: { field: string; message: string }[]
}

async function problem(res: Response): Promise<ProblemBody> {
  expect(res.headers.get('content-type')).toStartWith('application/problem+json')
  return (await res.json()) as ProblemBody
}

const newLamp = () => ({
  name: unique('Arc Lamp'),
  categoryId: 'home',
  priceMinor: 12900,
  stock: 4,
  attributes: { color: 'black' },
})

describe('reading the catalog', () => {
  test('GET /api/products pages a filtered, sorted listing with the total', async () => {
    const res = await get('/api/products?category=books&sort=price_desc&page=2&pageSize=5')
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      data: Product[]
      page: number
      pageSize: number
      total: number
    }
    expect(body).toMatchObject({ page: 2, pageSize: 5 })
    expect(body.total).toBeGreaterThan(10)
    expect(body.data).toHaveLength(5)
    for (const p of body.data) expect(p.category).toEqual({ id: 'books', name: 'Books' })
    const prices = body.data.map((p) => p.priceMinor)
    expect(prices).toEqual([...prices].sort((a, b) => b - a))
    const first = (await (
      await get('/api/products?category=books&sort=price_desc&pageSize=5')
    ).json()) as {
      data: Product[]
    }
    expect(Math.min(...first.data.map((p) => p.priceMinor))).toBeGreaterThanOrEqual(
      Math.max(...prices),
    )
  })

  test('empty query fields count as not given', async () => {
    const res = await get('/api/products?category=&q=&sort=&page=&pageSize=&minPrice=&maxPrice=')
    expect(res.status).toBe(200)
    expect((await res.json()) as object).toMatchObject({ page: 1, pageSize: 24 })
  })

  test('bad query values are a 400 problem naming each field', async () => {
    const res = await get(
      '/api/products?page=0&pageSize=500&sort=cheapest&minPrice=-1&category=Shoes!',
    )
    expect(res.status).toBe(400)
    const body = await problem(res)
    expect(body.code).toBe('VALIDATION_FAILED')
    expect(body.errors?.map((e) => e.field).sort()).toEqual([
      'category',
      'minPrice',
      'page',
      'pageSize',
      'sort',
    ])
    const range = await problem(await get('/api/products?minPrice=900&maxPrice=100'))
    expect(range.errors?.map((e) => e.field)).toEqual(['maxPrice'])
  })

  test('GET /api/products/:id answers by id or slug, with the category', async () => {
    const byId = (await (await get('/api/products/prod-0007')).json()) as Product
    expect(byId.id).toBe('prod-0007')
    expect(byId.category.id).toBe(byId.categoryId)
    const bySlug = await get(`/api/products/${byId.slug}`)
    expect(bySlug.status).toBe(200)
    expect(((await bySlug.json()) as Product).id).toBe('prod-0007')
  })

  test('an unknown product is a 404 problem', async () => {
    const res = await get('/api/products/prod-9999')
    expect(res.status).toBe(404)
    expect(await problem(res)).toMatchObject({ code: 'NOT_FOUND', status: 404 })
    expect((await get('/api/products/prod-9999/reviews')).status).toBe(404)
  })

  test('GET /api/categories lists the aisles with their product counts', async () => {
    const body = (await (await get('/api/categories')).json()) as {
      data: { id: string; productCount: number }[]
    }
    expect(body.data.length).toBeGreaterThanOrEqual(12)
    const total = body.data.reduce((n, c) => n + c.productCount, 0)
    const listing = (await (await get('/api/products?pageSize=1')).json()) as { total: number }
    expect(total).toBe(listing.total)
  })
})

describe('admin writes', () => {
  test('without the admin role every write is 403 and nothing changes', async () => {
    const before = await (await get('/api/products/prod-0001')).json()
    const responses = await Promise.all([
      send('POST', '/api/products', newLamp()),
      send('PATCH', '/api/products/prod-0001', { priceMinor: 1 }),
      send('DELETE', '/api/products/prod-0001'),
      send('POST', '/api/products', 'not even json', { 'content-type': 'text/plain' }),
    ])
    for (const res of responses) {
      expect(res.status).toBe(403)
      expect((await problem(res)).code).toBe('FORBIDDEN')
    }
    expect(await (await get('/api/products/prod-0001')).json()).toEqual(before)
  })

  test('create 201, update 200, delete 204, each published on product-events keyed by the product id', async () => {
    const created = await send('POST', '/api/products', newLamp(), asAdmin)
    expect(created.status).toBe(201)
    const product = (await created.json()) as Product
    expect(created.headers.get('location')).toBe(`/api/products/${product.id}`)
    expect(product).toMatchObject({ categoryId: 'home', priceMinor: 12900, currency: 'EUR' })

    const updated = await send('PATCH', `/api/products/${product.id}`, { stock: 0 }, asAdmin)
    expect(updated.status).toBe(200)
    expect(((await updated.json()) as Product).stock).toBe(0)

    const deleted = await send('DELETE', `/api/products/${product.slug}`, undefined, asAdmin)
    expect(deleted.status).toBe(204)
    expect((await get(`/api/products/${product.id}`)).status).toBe(404)

    const mine = (records: ConsumedRecord[]) => records.filter((r) => r.key === product.id)
    const records = mine(
      await readTopic(shop.platform.bus, 'product-events', (r) => mine(r).length >= 3),
    )
    expect(records.map((r) => r.headers.ce_type)).toEqual([
      'product.created',
      'product.updated',
      'product.deleted',
    ])
    expect(records.map((r) => r.headers.ce_source)).toEqual(Array(3).fill('/streamshop/catalog'))
    expect(JSON.parse(records[1]?.value ?? '{}')).toMatchObject({
      productId: product.id,
      changes: { stock: 0 },
    })
  })

  test('invalid bodies are 400 problems naming each field; another content type is 415', async () => {
    const bad = await send(
      'POST',
      '/api/products',
      { ...newLamp(), priceMinor: 12.5, currency: 'EURO', stock: -1, price: 3 },
      asAdmin,
    )
    expect(bad.status).toBe(400)
    expect((await problem(bad)).errors?.map((e) => e.field).sort()).toEqual([
      'currency',
      'price',
      'priceMinor',
      'stock',
    ])
    const empty = await send('PATCH', '/api/products/prod-0001', {}, asAdmin)
    expect(empty.status).toBe(400)
    const malformed = await send('POST', '/api/products', '{"name": ', asAdmin)
    expect((await problem(malformed)).errors?.map((e) => e.field)).toEqual(['body'])
    const form = await send('POST', '/api/products', 'name=x', {
      ...asAdmin,
      'content-type': 'application/x-www-form-urlencoded',
    })
    expect(form.status).toBe(415)
  })

  test('a slug in use is a 409; an unknown product is a 404 for PATCH and DELETE', async () => {
    const taken = await send(
      'POST',
      '/api/products',
      { ...newLamp(), slug: (await first()).slug },
      asAdmin,
    )
    expect(taken.status).toBe(409)
    expect((await problem(taken)).code).toBe('CONFLICT')
    expect((await send('PATCH', '/api/products/prod-9999', { stock: 1 }, asAdmin)).status).toBe(404)
    expect((await send('DELETE', '/api/products/prod-9999', undefined, asAdmin)).status).toBe(404)
  })
})

describe('reviews', () => {
  test("a review is listed without the shopper's id and published on review-events keyed by product and as behaviour keyed by shopper", async () => {
    const shopper = unique('shopper')
    const started = Date.now() - 1000
    await addReview(shop.platform.database.db, {
      productId: 'prod-0005',
      userId: shopper,
      authorName: 'Grace H.',
      rating: 5,
    })
    shop.platform.relay.notify()
    const listed = (await (await get('/api/products/prod-0005/reviews')).json()) as {
      data: Record<string, unknown>[]
    }
    expect(listed.data[0]).toMatchObject({ authorName: 'Grace H.', rating: 5 })
    expect(listed.data[0]).not.toHaveProperty('userId')
    const reviewsOf = (r: ConsumedRecord[]) =>
      r.filter((x) => x.key === 'prod-0005' && JSON.parse(x.value).userId === shopper)
    const [reviewed] = reviewsOf(
      await readTopic(shop.platform.bus, 'review-events', (r) => reviewsOf(r).length >= 1),
    )
    expect(reviewed?.headers.ce_type).toBe('review.created')
    const byShopper = (r: ConsumedRecord[]) => r.filter((x) => x.key === shopper)
    const [rated] = byShopper(
      await readTopicSince(
        shop.platform.bus,
        'user-events',
        started,
        (r) => byShopper(r).length >= 1,
      ),
    )
    expect(rated?.headers.ce_type).toBe('product.rated')
    expect(JSON.parse(rated?.value ?? '{}')).toMatchObject({ productId: 'prod-0005', rating: 5 })
  })
})

async function first(): Promise<Product> {
  return (await (await get('/api/products/prod-0001')).json()) as Product
}
