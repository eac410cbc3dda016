import { sql } from 'drizzle-orm'
import { check, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

/** The state of an order's payment at the (simulated) provider. */
export type PaymentStatus = 'authorized' | 'declined' | 'captured' | 'voided' | 'refunded'

/** One payment per order: authorized, then captured, or voided (never captured) or refunded. */
export const payments = sqliteTable(
  'payments',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id').notNull(),
    userId: text('user_id').notNull(),
    amountMinor: integer('amount_minor').notNull(),
    currency: text('currency').notNull(),
    status: text('status').$type<PaymentStatus>().notNull(),
    /** The decline's machine reason, when declined. */
    reason: text('reason'),
    cardLast4: text('card_last4').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    capturedAt: integer('captured_at'),
    refundedAt: integer('refunded_at'),
  },
  (t) => [
    uniqueIndex('payments_order').on(t.orderId),
    check('payments_amount_non_negative', sql`${t.amountMinor} >= 0`),
  ],
)

export type Payment = typeof payments.$inferSelect
