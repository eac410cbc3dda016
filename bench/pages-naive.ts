// The data of the baseline of `bun run bench pages`, loaded the naive way: one query for the list
// of ids, then one query per product (N+1) — or per category count, or per cart line. The pages
// themselves render in pages-naive-views.tsx through the shop's components.
import { asc, count, desc, eq, type SQL, sql } from 'drizzle-orm'
import type { Cart, CartLine } from '../services/carts/carts.ts'
import { cartItems } from '../services/carts/schema.ts'
import type { ProductSort } from '../services/catalog/inputs.ts'
import { type CategoryWithCount, getProduct, type Product } from '../services/catalog/products.ts'
import { categories, products } from '../services/catalog/schema.ts'
import type { Db } from '../shared/db/client.ts'

/** The one sort the naive category listing supports: the shop's default. */
export const NAIVE_SORT: ProductSort = 'popular'
/** Products per listing page, as web/pages/catalog.tsx has it. */
export const PAGE_SIZE = 24

// The catalog's 'popular' order, restated: products.ts does not export its ORDER_BY.
const BY_POPULARITY = [
  desc(sql`${products.ratingAvg} * ${products.ratingCount}`),
  asc(products.id),
] as const

async function popularIds(
  db: Db,
  opts: { where?: SQL; limit: number; offset?: number },
): Promise<string[]> {
  const rows = await db
    .select({ id: products.id })
    .from(products)
    .where(opts.where)
    .orderBy(...BY_POPULARITY)
    .limit(opts.limit)
    .offset(opts.offset ?? 0)
  return rows.map((r) => r.id)
}

// Concurrent rather than one after another: the kinder form of N+1, so the ratio errs low.
const productsOf = (db: Db, ids: string[]) => Promise.all(ids.map((id) => getProduct(db, id)))

// Every category, then a count query per category.
async function naiveCategories(db: Db): Promise<CategoryWithCount[]> {
  const rows = await db
    .select()
    .from(categories)
    .orderBy(asc(categories.position), asc(categories.name))
  return Promise.all(
    rows.map(async (cat) => {
      const [row] = await db
        .select({ n: count() })
        .from(products)
        .where(eq(products.categoryId, cat.id))
      return { ...cat, productCount: row?.n ?? 0 }
    }),
  )
}

/** The cart's lines in one query, then each line's product in a query of its own. */
export async function naiveCart(db: Db, shopperId: string): Promise<Cart> {
  const items = await db
    .select({ productId: cartItems.productId, quantity: cartItems.quantity })
    .from(cartItems)
    .where(eq(cartItems.shopperId, shopperId))
    .orderBy(cartItems.addedAt)
  const found = await Promise.all(
    items.map(async (item): Promise<CartLine | undefined> => {
      const [p] = await db.select().from(products).where(eq(products.id, item.productId))
      if (!p) return undefined
      return {
        productId: p.id,
        slug: p.slug,
        name: p.name,
        imageHue: p.imageHue,
        priceMinor: p.priceMinor,
        currency: p.currency,
        stock: p.stock,
        quantity: item.quantity,
        lineTotalMinor: p.priceMinor * item.quantity,
      }
    }),
  )
  const lines = found.filter((l) => l !== undefined)
  return {
    lines,
    count: lines.reduce((n, l) => n + l.quantity, 0),
    totalMinor: lines.reduce((n, l) => n + l.lineTotalMinor, 0),
    currency: lines[0]?.currency ?? 'EUR',
  }
}

/** The home page's lists: featured and popular products, and the categories with their counts. */
export async function naiveHome(db: Db) {
  const [featured, popular, cats] = await Promise.all([
    popularIds(db, { where: eq(products.featured, true), limit: 8 }).then((ids) =>
      productsOf(db, ids),
    ),
    popularIds(db, { limit: 8 }).then((ids) => productsOf(db, ids)),
    naiveCategories(db),
  ])
  return { featured, popular, categories: cats }
}

/** One page of a category's listing in popular order, and how many products the category has. */
export async function naiveListing(
  db: Db,
  categoryId: string,
  page: number,
): Promise<{ items: Product[]; total: number }> {
  const where = eq(products.categoryId, categoryId)
  const [ids, totals] = await Promise.all([
    popularIds(db, { where, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
    db.select({ n: count() }).from(products).where(where),
  ])
  return { items: await productsOf(db, ids), total: totals[0]?.n ?? 0 }
}

/** The `n` most popular products of a category: the product page's also-bought. */
export async function naivePopularIn(db: Db, categoryId: string, n: number): Promise<Product[]> {
  return productsOf(
    db,
    await popularIds(db, { where: eq(products.categoryId, categoryId), limit: n }),
  )
}
