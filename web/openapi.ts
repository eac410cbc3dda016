import { Hono } from 'hono'
import { z } from 'zod'
import {
  analyticsProductsQuerySchema,
  analyticsRangeQuerySchema,
} from '../services/analytics/index.ts'
import {
  productCreateSchema,
  productListQuerySchema,
  productUpdateSchema,
} from '../services/catalog/index.ts'
import { incomingEventSchema, MAX_BATCH, trackBodySchema } from '../services/ingest/intake.ts'
import { orderRequestSchema } from '../services/orders/index.ts'
import { promotionCreateSchema, promotionUpdateSchema } from '../services/promotions/index.ts'
import {
  alsoBoughtQuerySchema,
  experimentCreateSchema,
  experimentStatusSchema,
  recommendationQuerySchema,
} from '../services/recommender/index.ts'

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })
const body = (schema: z.ZodType) => ({
  required: true,
  content: { 'application/json': { schema: json(schema) } },
})
const problem = {
  description: 'Problem Details',
  content: { 'application/problem+json': { schema: { type: 'object' } } },
}
const ok = (description: string) => ({
  description,
  content: { 'application/json': { schema: { type: 'object' } } },
})
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]
const codeParam = [{ name: 'code', in: 'path', required: true, schema: { type: 'string' } }]

function queryParameters(schema: z.ZodObject) {
  const shape = json(schema) as { properties?: Record<string, unknown> }
  return Object.entries(shape.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: false,
    schema: s,
  }))
}

/** The JSON API, from the same zod schemas the routes validate with. */
export function openApiDocument() {
  const events = z.union([
    incomingEventSchema,
    z.object({ events: z.array(incomingEventSchema).min(1).max(MAX_BATCH) }),
  ])
  return {
    openapi: '3.1.0',
    info: {
      title: 'Streamshop',
      version: '1.0.0',
      description: 'Event ingest, catalog and orders. Errors are application/problem+json.',
    },
    paths: {
      '/api/events': {
        post: {
          summary: 'Ingest one event or a batch (all or nothing)',
          requestBody: body(events),
          responses: {
            202: ok('Durable: { accepted, duplicates, ids }'),
            400: problem,
            413: problem,
            415: problem,
            429: problem,
          },
        },
      },
      '/api/events/track': {
        post: {
          summary: "The seed's track body",
          requestBody: body(trackBodySchema),
          responses: { 200: ok('{ success, eventId }'), 400: problem },
        },
      },
      '/api/health': {
        get: { summary: 'Seed-compatible health', responses: { 200: ok('{ status: "OK" }') } },
      },
      '/healthz': { get: { summary: 'Alive', responses: { 200: ok('ok') } } },
      '/readyz': {
        get: { summary: 'Database and bus answer', responses: { 200: ok('ready'), 503: problem } },
      },
      '/api/products': {
        get: {
          summary: 'List products (filter, search, sort, page)',
          parameters: queryParameters(productListQuerySchema as unknown as z.ZodObject),
          responses: { 200: ok('{ data, page, pageSize, total }'), 400: problem },
        },
        post: {
          summary: 'Create a product (admin, X-CSRF-Token)',
          requestBody: body(productCreateSchema),
          responses: { 201: ok('The product'), 400: problem, 403: problem },
        },
      },
      '/api/products/{id}': {
        get: {
          summary: 'One product by id or slug',
          parameters: idParam,
          responses: { 200: ok('The product'), 404: problem },
        },
        patch: {
          summary: 'Change a product (admin)',
          parameters: idParam,
          requestBody: body(productUpdateSchema),
          responses: { 200: ok('The product'), 400: problem, 403: problem, 404: problem },
        },
        delete: {
          summary: 'Delete a product (admin)',
          parameters: idParam,
          responses: { 204: { description: 'Deleted' }, 403: problem, 404: problem },
        },
      },
      '/api/products/{id}/reviews': {
        get: {
          summary: "A product's reviews",
          parameters: idParam,
          responses: { 200: ok('{ data }'), 404: problem },
        },
      },
      '/api/recommendations/{userId}': {
        get: {
          summary:
            'Recommendations for a shopper, each with a reason; an unknown shopper gets popular products (metadata.coldStart)',
          parameters: [
            { name: 'userId', in: 'path', required: true, schema: { type: 'string' } },
            ...queryParameters(recommendationQuerySchema as unknown as z.ZodObject),
          ],
          responses: {
            200: ok(
              '{ success, data: [{ productId, name, category, price, score, reason }], metadata }',
            ),
            400: problem,
          },
        },
      },
      '/api/recommendations/{userId}/stream': {
        get: {
          summary:
            'The same answer as Server-Sent Events (JSON data: lines), again whenever it changes',
          parameters: [
            { name: 'userId', in: 'path', required: true, schema: { type: 'string' } },
            ...queryParameters(recommendationQuerySchema as unknown as z.ZodObject),
          ],
          responses: { 200: { description: 'text/event-stream' }, 400: problem },
        },
      },
      '/api/recommendations/metrics/live': {
        get: {
          summary: "The recommender's live figures: events/s, processing time, training, lag",
          responses: { 200: ok('{ success, data }') },
        },
      },
      '/api/recommendations/products/{productId}/also-bought': {
        get: {
          summary: 'Products engaged with together with this one ("customers also bought")',
          parameters: [
            { name: 'productId', in: 'path', required: true, schema: { type: 'string' } },
            ...queryParameters(alsoBoughtQuerySchema as unknown as z.ZodObject),
          ],
          responses: { 200: ok('{ success, data, metadata }'), 400: problem },
        },
      },
      ...Object.fromEntries(
        (
          [
            ['dashboard', 'Every figure of the admin dashboard at once'],
            ['overview', 'Revenue, orders, users and products against the period before'],
            ['orders', 'Orders, revenue, refunds, average order value and top sellers'],
            [
              'users',
              'Registrations and active users, growth over 7 and 30 days, accounts per role',
            ],
            [
              'products',
              'Per product: views, cart adds, orders, units, revenue, rating (sortable, paged)',
            ],
            [
              'funnels',
              "Product view → cart add → purchase and search → click → purchase: each step's count, conversion and drop-off",
            ],
          ] as const
        ).map(([name, summary]) => [
          `/analytics/${name}`,
          {
            get: {
              summary: `${summary} (admin; ?format=csv for CSV)`,
              parameters: queryParameters(
                (name === 'products'
                  ? analyticsProductsQuerySchema
                  : analyticsRangeQuerySchema) as unknown as z.ZodObject,
              ),
              responses: {
                200: ok('JSON, or text/csv with format=csv'),
                400: problem,
                403: problem,
              },
            },
          },
        ]),
      ),
      '/api/admin/experiments': {
        get: {
          summary: 'A/B experiments with their results (admin)',
          responses: { 200: ok('{ data }'), 403: problem },
        },
        post: {
          summary:
            'Create an experiment (admin, X-CSRF-Token); 409 when the id is taken or another one runs',
          requestBody: body(experimentCreateSchema),
          responses: { 201: ok('{ data }'), 400: problem, 403: problem, 409: problem },
        },
      },
      '/api/admin/experiments/{id}': {
        get: {
          summary: 'One experiment with its results (admin)',
          parameters: idParam,
          responses: { 200: ok('{ data }'), 403: problem, 404: problem },
        },
        patch: {
          summary: 'Stop or restart an experiment (admin, X-CSRF-Token)',
          parameters: idParam,
          requestBody: body(experimentStatusSchema),
          responses: {
            200: ok('{ data }'),
            400: problem,
            403: problem,
            404: problem,
            409: problem,
          },
        },
      },
      '/api/admin/experiments/{id}/results': {
        get: {
          summary:
            'CTR and conversion per variant with 95% intervals and a two-proportion z-test against the control (admin)',
          parameters: idParam,
          responses: { 200: ok('{ data }'), 403: problem, 404: problem },
        },
      },
      '/api/admin/promotions': {
        get: {
          summary: 'Coupons with their terms and usage: uses held, remaining, given back (admin)',
          responses: { 200: ok('{ data }'), 403: problem },
        },
        post: {
          summary:
            'Create a coupon (admin, X-CSRF-Token): percent (1–100) or fixed (minor units, currency), ' +
            'a validity window, optional limits per code and per customer; 409 when the code is taken',
          requestBody: body(promotionCreateSchema),
          responses: { 201: ok('{ data }'), 400: problem, 403: problem, 409: problem },
        },
      },
      '/api/admin/promotions/{code}': {
        get: {
          summary: 'One coupon by code, in any case (admin)',
          parameters: codeParam,
          responses: { 200: ok('{ data }'), 403: problem, 404: problem },
        },
        patch: {
          summary:
            'Change a coupon’s window, limits or minimum, or stop it with active: false (admin, X-CSRF-Token)',
          parameters: codeParam,
          requestBody: body(promotionUpdateSchema),
          responses: { 200: ok('{ data }'), 400: problem, 403: problem, 404: problem },
        },
      },
      '/api/categories': {
        get: { summary: 'Categories with product counts', responses: { 200: ok('{ data }') } },
      },
      '/api/orders': {
        post: {
          summary:
            "Place an order (the given items, else the signed-in shopper's cart) and start its saga; " +
            'the same key and body answer the same order, another body a 409; a couponCode the order ' +
            'may not use (unknown, expired, used up) is a 400 before anything starts',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: true,
              schema: { type: 'string', minLength: 8, maxLength: 128 },
            },
          ],
          requestBody: body(orderRequestSchema),
          responses: {
            202: ok('{ orderId, status }'),
            400: problem,
            401: problem,
            409: problem,
            // ORDERS_BUSY, with Retry-After: more sagas under way than SAGA_MAX_IN_FLIGHT.
            503: problem,
          },
        },
      },
      '/api/orders/{id}': {
        get: {
          summary:
            "Status, the reason when cancelled, the coupon's discount, and the saga's step history",
          parameters: idParam,
          responses: { 200: ok('The order'), 404: problem },
        },
      },
      '/api/orders/{id}/stream': {
        get: {
          summary: 'The order again (JSON data:) whenever its saga moves on',
          parameters: idParam,
          responses: { 200: { description: 'text/event-stream' }, 404: problem },
        },
      },
      '/metrics': {
        get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text/plain' } } },
      },
    },
  }
}

export function openApiRoutes(): Hono {
  const app = new Hono()
  const document = openApiDocument()
  app.get('/openapi.json', (c) => c.json(document))
  return app
}
