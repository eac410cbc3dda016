import { Hono, type MiddlewareHandler } from 'hono'
import type { Db } from '../../shared/db/client.ts'
import { jsonBody } from '../../shared/http/json-body.ts'
import { valid } from '../../shared/http/validate.ts'
import {
  productCreateSchema,
  productKeySchema,
  productListQuerySchema,
  productUpdateSchema,
} from './inputs.ts'
import { createProduct, deleteProduct, updateProduct } from './product-changes.ts'
import { getProduct, listCategories, listProducts } from './products.ts'
import { listReviews } from './reviews.ts'

export interface CatalogRouteDeps {
  db: Db
  /** Lets only admins through; the accounts context provides it. */
  requireAdmin: MiddlewareHandler
}

/**
 * The catalog's JSON API: `GET /api/products` (filter, search, sort, paging),
 * `GET /api/products/:id` (id or slug), `GET /api/products/:id/reviews`, `GET /api/categories`, and
 * the admin writes `POST`, `PATCH` and `DELETE` under `/api/products`.
 */
export function catalogRoutes(deps: CatalogRouteDeps): Hono {
  const { db, requireAdmin } = deps
  const app = new Hono()

  app.get('/api/products', valid('query', productListQuerySchema), async (c) => {
    const page = await listProducts(db, c.req.valid('query'))
    return c.json({ data: page.items, page: page.page, pageSize: page.pageSize, total: page.total })
  })

  app.get('/api/products/:id', valid('param', productKeySchema), async (c) =>
    c.json(await getProduct(db, c.req.valid('param').id)),
  )

  app.get('/api/products/:id/reviews', valid('param', productKeySchema), async (c) => {
    const product = await getProduct(db, c.req.valid('param').id)
    // Reviewers are shown by the name they chose; their account ids stay private.
    const data = (await listReviews(db, product.id)).map(({ userId: _, ...review }) => review)
    return c.json({ data })
  })

  app.get('/api/categories', async (c) => c.json({ data: await listCategories(db) }))

  // The role check comes before validation: a stranger learns nothing about the body's shape.
  app.post(
    '/api/products',
    requireAdmin,
    jsonBody,
    valid('json', productCreateSchema),
    async (c) => {
      const product = await createProduct(db, c.req.valid('json'))
      c.header('Location', `/api/products/${encodeURIComponent(product.id)}`)
      return c.json(product, 201)
    },
  )

  app.patch(
    '/api/products/:id',
    requireAdmin,
    valid('param', productKeySchema),
    jsonBody,
    valid('json', productUpdateSchema),
    async (c) => {
      const product = await updateProduct(db, c.req.valid('param').id, c.req.valid('json'))
      return c.json(product)
    },
  )

  app.delete('/api/products/:id', requireAdmin, valid('param', productKeySchema), async (c) => {
    await deleteProduct(db, c.req.valid('param').id)
    return c.body(null, 204)
  })

  return app
}
