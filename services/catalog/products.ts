import { and, asc, count, desc, eq, gte, inArray, lte, or, type SQL, sql } from 'drizzle-orm'
import type { Db } from '../../shared/db/client.ts'
import { NotFoundError } from '../../shared/errors.ts'
import { parseOrThrow } from '../../shared/http/validate.ts'
import { type ProductListQuery, type ProductSort, productListQuerySchema } from './inputs.ts'
import { categories, products } from './schema.ts'

/** A product as the shop shows it, with its category's name. Prices are in minor units. */
export interface Product {
  id: string
  slug: string
  name: string
  description: string
  categoryId: string
  category: { id: string; name: string }
  priceMinor: number
  currency: string
  stock: number
  attributes: Record<string, string>
  imageHue: number
  featured: boolean
  ratingAvg: number
  ratingCount: number
  createdAt: Date
  updatedAt: Date
}

export interface ProductPage {
  items: Product[]
  total: number
  page: number
  pageSize: number
}

export interface CategoryWithCount {
  id: string
  name: string
  description: string
  position: number
  productCount: number
}

const productColumns = {
  id: products.id,
  slug: products.slug,
  name: products.name,
  description: products.description,
  categoryId: products.categoryId,
  category: { id: categories.id, name: categories.name },
  priceMinor: products.priceMinor,
  currency: products.currency,
  stock: products.stock,
  attributes: products.attributes,
  imageHue: products.imageHue,
  featured: products.featured,
  ratingAvg: products.ratingAvg,
  ratingCount: products.ratingCount,
  createdAt: products.createdAt,
  updatedAt: products.updatedAt,
}

// The sum of ratings: many good reviews beat a few perfect ones. The recommender's popularity
// model replaces this once it exists.
const popularity = sql`${products.ratingAvg} * ${products.ratingCount}`

// Every order ends with the id, so equal prices or ratings still page without repeats or gaps.
const ORDER_BY: Record<ProductSort, SQL[]> = {
  popular: [desc(popularity), asc(products.id)],
  price_asc: [asc(products.priceMinor), asc(products.id)],
  price_desc: [desc(products.priceMinor), desc(products.id)],
  newest: [desc(products.createdAt), desc(products.id)],
  rating: [desc(products.ratingAvg), desc(products.ratingCount), asc(products.id)],
  name: [asc(products.nameSearch), asc(products.id)],
}

/** The text a product's name is searched in: see `products.nameSearch`. */
export function searchableName(name: string): string {
  return name.toLowerCase()
}

const escapeLike = (term: string) => term.replace(/[\\%_]/g, (c) => `\\${c}`)

/** Every word of the search must appear in the name, in any order. */
function nameMatches(q: string): SQL | undefined {
  const words = searchableName(q).split(/\s+/).filter(Boolean)
  return and(
    ...words.map((w) => sql`${products.nameSearch} like ${`%${escapeLike(w)}%`} escape '\\'`),
  )
}

function selectProducts(db: Db) {
  return db
    .select(productColumns)
    .from(products)
    .innerJoin(categories, eq(categories.id, products.categoryId))
}

/**
 * One page of products with filters, search and sort: one query for the page (its category
 * joined in) and one for the total. An unknown category simply matches nothing.
 * @example listProducts(db, { category: 'shoes', sort: 'price_asc', page: 2 })
 */
export async function listProducts(db: Db, query: ProductListQuery = {}): Promise<ProductPage> {
  const opts = parseOrThrow(productListQuerySchema, query, 'The product query')
  const where = and(
    opts.category === undefined ? undefined : eq(products.categoryId, opts.category),
    opts.q === undefined ? undefined : nameMatches(opts.q),
    opts.minPrice === undefined ? undefined : gte(products.priceMinor, opts.minPrice),
    opts.maxPrice === undefined ? undefined : lte(products.priceMinor, opts.maxPrice),
  )
  const [items, totals] = await Promise.all([
    selectProducts(db)
      .where(where)
      .orderBy(...ORDER_BY[opts.sort])
      .limit(opts.pageSize)
      .offset((opts.page - 1) * opts.pageSize),
    db.select({ n: count() }).from(products).where(where),
  ])
  return { items, total: totals[0]?.n ?? 0, page: opts.page, pageSize: opts.pageSize }
}

/** A product by id or slug, or undefined. An id wins over another product's equal slug. */
export async function findProduct(db: Db, idOrSlug: string): Promise<Product | undefined> {
  const [row] = await selectProducts(db)
    .where(or(eq(products.id, idOrSlug), eq(products.slug, idOrSlug)))
    .orderBy(desc(sql`${products.id} = ${idOrSlug}`))
    .limit(1)
  return row
}

/** A product by id or slug; NotFoundError when there is none. */
export async function getProduct(db: Db, idOrSlug: string): Promise<Product> {
  const product = await findProduct(db, idOrSlug)
  if (!product) throw new NotFoundError(`There is no product '${idOrSlug.slice(0, 200)}'`)
  return product
}

/** Every category in menu order, with how many products it holds. */
export async function listCategories(db: Db): Promise<CategoryWithCount[]> {
  return db
    .select({
      id: categories.id,
      name: categories.name,
      description: categories.description,
      position: categories.position,
      productCount: count(products.id),
    })
    .from(categories)
    .leftJoin(products, eq(products.categoryId, categories.id))
    .groupBy(categories.id)
    .orderBy(asc(categories.position), asc(categories.name))
}

/** A category by id, or undefined. */
export async function findCategory(db: Db, id: string) {
  const [row] = await db.select().from(categories).where(eq(categories.id, id)).limit(1)
  return row
}

/** Up to `n` featured products, the most popular first. */
export async function featuredProducts(db: Db, n: number): Promise<Product[]> {
  return selectProducts(db)
    .where(eq(products.featured, true))
    .orderBy(...ORDER_BY.popular)
    .limit(n)
}

/** The `n` most popular products, optionally in one category (the recommender's cold start). */
export async function popularProducts(
  db: Db,
  n: number,
  opts: { category?: string } = {},
): Promise<Product[]> {
  return selectProducts(db)
    .where(opts.category === undefined ? undefined : eq(products.categoryId, opts.category))
    .orderBy(...ORDER_BY.popular)
    .limit(n)
}

// Well under SQLite's limit of bound parameters per statement.
const IDS_PER_QUERY = 500

/** The products with these ids, in the order given, each once; unknown ids are left out. */
export async function productsByIds(db: Db, ids: readonly string[]): Promise<Product[]> {
  const unique = [...new Set(ids)]
  const found = new Map<string, Product>()
  for (let i = 0; i < unique.length; i += IDS_PER_QUERY) {
    const rows = await selectProducts(db).where(
      inArray(products.id, unique.slice(i, i + IDS_PER_QUERY)),
    )
    for (const row of rows) found.set(row.id, row)
  }
  return unique.flatMap((id) => found.get(id) ?? [])
}
