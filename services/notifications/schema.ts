import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** A message for a shopper, shown in the header's notifications menu. */
export const notifications = sqliteTable(
  'notifications',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    orderId: text('order_id'),
    kind: text('kind').$type<'order_confirmed' | 'order_cancelled'>().notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    createdAt: integer('created_at').notNull(),
    readAt: integer('read_at'),
  },
  (t) => [index('notifications_user').on(t.userId, t.createdAt)],
)

export type Notification = typeof notifications.$inferSelect
