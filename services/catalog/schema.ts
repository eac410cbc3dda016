import { sql } from 'drizzle-orm'
import {
  check,
  index,
  integer,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core'

/** The shop's aisles; the id is the slug used in URLs (`/c/shoes`). */
export const categories = sqliteTable('categories', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  /** Where the category appears in menus, lowest first. */
  position: integer('position').notNull().default(0),
})

export const products = sqliteTable(
  'products',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull().unique(),
    name: text('name').notNull(),
    // SQLite's lower() and LIKE fold only ASCII; a name lowered by JavaScript makes search
    // case-insensitive for every script.
    nameSearch: text('name_search').notNull(),
    description: text('description').notNull().default(''),
    categoryId: text('category_id')
      .notNull()
      .references(() => categories.id),
    /** The price in the currency's minor unit (cents): integers never round. */
    priceMinor: integer('price_minor').notNull(),
    currency: text('currency').notNull().default('EUR'),
    stock: integer('stock').notNull().default(0),
    attributes: text('attributes', { mode: 'json' })
      .$type<Record<string, string>>()
      .notNull()
      .default(sql`'{}'`),
    /** The hue of the product's CSS placeholder image, 0-359. */
    imageHue: integer('image_hue').notNull().default(0),
    featured: integer('featured', { mode: 'boolean' }).notNull().default(false),
    // Kept equal to the aggregate of `reviews` by every write that adds a review, so listings sort
    // by rating without a join.
    ratingAvg: real('rating_avg').notNull().default(0),
    ratingCount: integer('rating_count').notNull().default(0),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    check('products_price_non_negative', sql`${t.priceMinor} >= 0`),
    check('products_stock_non_negative', sql`${t.stock} >= 0`),
    check('products_image_hue_range', sql`${t.imageHue} between 0 and 359`),
    // One index per sort of a category listing; the id ends each so ties page deterministically.
    index('products_category_price').on(t.categoryId, t.priceMinor, t.id),
    index('products_category_newest').on(t.categoryId, t.createdAt, t.id),
    index('products_category_rating').on(t.categoryId, t.ratingAvg, t.ratingCount, t.id),
    index('products_category_name').on(t.categoryId, t.nameSearch, t.id),
    index('products_price').on(t.priceMinor, t.id),
    index('products_featured').on(t.featured),
  ],
)

export const reviews = sqliteTable(
  'reviews',
  {
    id: text('id').primaryKey(),
    productId: text('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    // No foreign key: users belong to the accounts context, which may live in another database.
    userId: text('user_id').notNull(),
    /** The reviewer's display name at the time, so showing a review needs no accounts lookup. */
    authorName: text('author_name').notNull().default(''),
    rating: integer('rating').notNull(),
    title: text('title').notNull().default(''),
    body: text('body').notNull().default(''),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    check('reviews_rating_range', sql`${t.rating} between 1 and 5`),
    uniqueIndex('reviews_product_user').on(t.productId, t.userId),
    index('reviews_product_created').on(t.productId, t.createdAt),
  ],
)

export type CategoryRow = typeof categories.$inferSelect
export type ProductRow = typeof products.$inferSelect
export type NewProductRow = typeof products.$inferInsert
export type ReviewRow = typeof reviews.$inferSelect
export type NewReviewRow = typeof reviews.$inferInsert
