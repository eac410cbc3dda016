import { sql } from 'drizzle-orm'
import { check, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/**
 * Units of a product that can still be sold (`available`) and units held for orders in flight or
 * sold (`reserved`). A reservation moves units from one to the other in one conditional update, so
 * neither can go below zero, whatever runs at once in this process or another.
 */
export const stockLevels = sqliteTable(
  'stock_levels',
  {
    productId: text('product_id').primaryKey(),
    available: integer('available').notNull(),
    reserved: integer('reserved').notNull().default(0),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    check('stock_levels_available_non_negative', sql`${t.available} >= 0`),
    check('stock_levels_reserved_non_negative', sql`${t.reserved} >= 0`),
  ],
)

/** What an order holds of each product: `held` until released by a cancelled order. */
export const stockReservations = sqliteTable(
  'stock_reservations',
  {
    orderId: text('order_id').notNull(),
    productId: text('product_id').notNull(),
    quantity: integer('quantity').notNull(),
    status: text('status').$type<'held' | 'released'>().notNull(),
    reservedAt: integer('reserved_at').notNull(),
    releasedAt: integer('released_at'),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.productId] })],
)
