// The catalog's public face: what web/ and other services may use, and how a process mounts its
// JSON API.

import type { Env, Hono, MiddlewareHandler } from 'hono'
import type { Platform } from '../../shared/platform.ts'
import { catalogRoutes } from './routes.ts'

export { ensureDemoCatalog, seedCatalog } from './demo-catalog.ts'
// The request schemas are part of the JSON API's contract: /openapi.json is generated from them.
export {
  PRODUCT_SORTS,
  type ProductSort,
  productCreateSchema,
  productListQuerySchema,
  productUpdateSchema,
} from './inputs.ts'
export {
  type CategoryWithCount,
  featuredProducts,
  findCategory,
  getProduct,
  listCategories,
  listProducts,
  type Product,
  popularProducts,
  productsByIds,
} from './products.ts'
export { addReview, hasReviewed, listReviews, type Review } from './reviews.ts'

/** Mounts the catalog's JSON API on an app; admin writes go through `requireAdmin`. */
export function mountCatalog<E extends Env>(
  app: Hono<E>,
  platform: Platform,
  opts: { requireAdmin: MiddlewareHandler },
): void {
  app.route(
    '/',
    catalogRoutes({
      db: platform.database.db,
      requireAdmin: opts.requireAdmin,
    }),
  )
}
