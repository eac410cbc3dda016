import { z } from 'zod'

// What the catalog accepts, declared once: the HTTP routes validate with these, the domain
// functions re-parse with them (pages call those directly), and the OpenAPI document is generated
// from them.

export const PRODUCT_SORTS = [
  'popular',
  'price_asc',
  'price_desc',
  'newest',
  'rating',
  'name',
] as const
export type ProductSort = (typeof PRODUCT_SORTS)[number]

export const MAX_PAGE_SIZE = 100
export const DEFAULT_PAGE_SIZE = 24

// An empty form field (`?category=`) means "not given", not "the empty string".
const blankAsMissing = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema)

const wholeNumber = (what: string) =>
  z.coerce.number({ error: `${what} must be a whole number` }).int(`${what} must be a whole number`)

export const categoryIdSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'A category id is lowercase letters, digits and dashes')

/** `GET /api/products` query: filters, search, sort and paging. Prices are in minor units. */
export const productListQuerySchema = z
  .object({
    category: blankAsMissing(categoryIdSchema.optional()),
    q: blankAsMissing(z.string().trim().max(100).optional()),
    sort: blankAsMissing(z.enum(PRODUCT_SORTS).default('popular')),
    page: blankAsMissing(wholeNumber('page').min(1).max(100_000).default(1)),
    pageSize: blankAsMissing(
      wholeNumber('pageSize').min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
    ),
    minPrice: blankAsMissing(wholeNumber('minPrice').min(0).optional()),
    maxPrice: blankAsMissing(wholeNumber('maxPrice').min(0).optional()),
  })
  .refine((v) => v.minPrice === undefined || v.maxPrice === undefined || v.minPrice <= v.maxPrice, {
    path: ['maxPrice'],
    error: 'maxPrice must not be below minPrice',
  })

export type ProductListOptions = z.output<typeof productListQuerySchema>
/** What `listProducts` takes: any of the options, the rest defaulted (and all re-validated). */
export type ProductListQuery = Partial<ProductListOptions>

/** A product id (`prod-0001`) or slug (`leather-boots-0001`) in a path. */
export const productKeySchema = z.object({ id: z.string().trim().min(1).max(200) })

const slugSchema = z
  .string()
  .trim()
  .min(1)
  .max(160)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'A slug is lowercase letters, digits and dashes')

const productFields = {
  slug: slugSchema,
  name: z.string().trim().min(1, 'name must not be empty').max(200),
  description: z.string().trim().max(5000),
  categoryId: categoryIdSchema,
  priceMinor: z
    .number()
    .int('priceMinor is in minor units (cents): a whole number')
    .min(0)
    .max(100_000_000),
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'currency is a three-letter ISO 4217 code')
    .transform((c) => c.toUpperCase()),
  stock: z.number().int('stock must be a whole number').min(0).max(1_000_000),
  attributes: z
    .record(z.string().trim().min(1).max(40), z.string().trim().max(200))
    .refine((a) => Object.keys(a).length <= 20, 'at most 20 attributes'),
  imageHue: z.number().int().min(0).max(359),
  featured: z.boolean(),
}

/** `POST /api/products`: a new product. Without a slug, one is made from the name. */
export const productCreateSchema = z.strictObject({
  ...productFields,
  slug: productFields.slug.optional(),
  description: productFields.description.default(''),
  currency: productFields.currency.default('EUR'),
  attributes: productFields.attributes.default({}),
  imageHue: productFields.imageHue.optional(),
  featured: productFields.featured.default(false),
})

export type ProductCreateInput = z.input<typeof productCreateSchema>

/** `PATCH /api/products/:id`: the fields to change, at least one. */
export const productUpdateSchema = z
  .strictObject({
    slug: productFields.slug,
    name: productFields.name,
    description: productFields.description,
    categoryId: productFields.categoryId,
    priceMinor: productFields.priceMinor,
    currency: productFields.currency,
    stock: productFields.stock,
    attributes: productFields.attributes,
    imageHue: productFields.imageHue,
    featured: productFields.featured,
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'Give at least one field to change')

export type ProductUpdateInput = z.input<typeof productUpdateSchema>

/** A shopper's review; who wrote it comes from their session, never from the body. */
export const reviewInputSchema = z.object({
  productId: z.string().trim().min(1).max(200),
  userId: z.string().trim().min(1).max(128),
  authorName: z.string().trim().max(80).default(''),
  rating: z.coerce
    .number({ error: 'rating must be a whole number from 1 to 5' })
    .int('rating must be a whole number from 1 to 5')
    .min(1, 'rating must be a whole number from 1 to 5')
    .max(5, 'rating must be a whole number from 1 to 5'),
  title: z.string().trim().max(120).default(''),
  body: z.string().trim().max(4000).default(''),
})

export type ReviewInput = z.input<typeof reviewInputSchema>
