import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** One line of a shopper's cart; the shopper is a user id or a guest id. */
export const cartItems = sqliteTable(
  'cart_items',
  {
    shopperId: text('shopper_id').notNull(),
    productId: text('product_id').notNull(),
    quantity: integer('quantity').notNull(),
    addedAt: integer('added_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.shopperId, t.productId] })],
)
