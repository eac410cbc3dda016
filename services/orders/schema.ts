import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

export interface OrderItem {
  productId: string
  name: string
  priceMinor: number
  quantity: number
}

export interface ShippingAddress {
  name: string
  street: string
  city: string
  postalCode: string
  country: string
}

export const orders = sqliteTable(
  'orders',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    /** The client's Idempotency-Key (or the checkout form's): one order per key and user. */
    idempotencyKey: text('idempotency_key').notNull(),
    status: text('status').notNull(),
    items: text('items', { mode: 'json' }).$type<OrderItem[]>().notNull(),
    totalMinor: integer('total_minor').notNull(),
    currency: text('currency').notNull(),
    address: text('address', { mode: 'json' }).$type<ShippingAddress>().notNull(),
    cardLast4: text('card_last4').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('orders_idempotency').on(t.userId, t.idempotencyKey),
    index('orders_user').on(t.userId, t.createdAt),
  ],
)

export type Order = typeof orders.$inferSelect
