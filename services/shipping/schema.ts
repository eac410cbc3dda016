import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

export type ShipmentStatus = 'created' | 'cancelled'

/** At most one shipment per order. */
export const shipments = sqliteTable(
  'shipments',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id').notNull(),
    userId: text('user_id').notNull(),
    status: text('status').$type<ShipmentStatus>().notNull(),
    address: text('address', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    items: text('items', { mode: 'json' })
      .$type<{ productId: string; quantity: number }[]>()
      .notNull(),
    createdAt: integer('created_at').notNull(),
    cancelledAt: integer('cancelled_at'),
  },
  (t) => [uniqueIndex('shipments_order').on(t.orderId)],
)

export type Shipment = typeof shipments.$inferSelect
