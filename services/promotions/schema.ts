import { sql } from 'drizzle-orm'
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

export type PromotionKind = 'percent' | 'fixed'

/**
 * A coupon code and its terms: what it takes off, when it is valid, how often it may be used.
 * `uses` counts the orders holding a use now (a cancelled order gives its use back); checkout takes
 * one with a conditional update, so two orders racing for the last use cannot both get it.
 */
export const promotions = sqliteTable(
  'promotions',
  {
    id: text('id').primaryKey(),
    /** Upper case: shoppers type codes in any case. */
    code: text('code').notNull(),
    kind: text('kind').$type<PromotionKind>().notNull(),
    /** A percentage (1–100) of the subtotal, or an amount in minor units of `currency`. */
    value: integer('value').notNull(),
    /** Required for a fixed amount or a minimum subtotal; a bare percentage fits any currency. */
    currency: text('currency'),
    minSubtotalMinor: integer('min_subtotal_minor'),
    /** Valid from `startsAt` (inclusive) to `endsAt` (exclusive), ms since the epoch. */
    startsAt: integer('starts_at').notNull(),
    endsAt: integer('ends_at').notNull(),
    maxUses: integer('max_uses'),
    maxUsesPerCustomer: integer('max_uses_per_customer'),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    uses: integer('uses').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('promotions_code').on(t.code),
    check('promotions_uses_non_negative', sql`${t.uses} >= 0`),
  ],
)

export type Promotion = typeof promotions.$inferSelect

/** One order's use of a coupon: `redeemed` with the order, `released` when it is cancelled. */
export const couponRedemptions = sqliteTable(
  'coupon_redemptions',
  {
    /** One coupon per order. */
    orderId: text('order_id').primaryKey(),
    promotionId: text('promotion_id').notNull(),
    code: text('code').notNull(),
    userId: text('user_id').notNull(),
    discountMinor: integer('discount_minor').notNull(),
    currency: text('currency').notNull(),
    status: text('status').$type<'redeemed' | 'released'>().notNull(),
    redeemedAt: integer('redeemed_at').notNull(),
    releasedAt: integer('released_at'),
  },
  (t) => [index('coupon_redemptions_customer').on(t.promotionId, t.userId, t.status)],
)

export type CouponRedemption = typeof couponRedemptions.$inferSelect
