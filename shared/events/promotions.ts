// Promotions and the uses of their coupons, all on `promotion-events` keyed by the coupon's code:
// one coupon's changes and uses keep their order on a partition.
import { z } from 'zod'
import type { TopicName } from './topics.ts'

const id = z.string().trim().min(1).max(128)
const code = z.string().min(1).max(64)

/** A promotion's terms as its events carry them (times as ISO 8601, money in minor units). */
const terms = z.object({
  kind: z.enum(['percent', 'fixed']),
  /** A percentage (1–100), or an amount in minor units of `currency`. */
  value: z.number().int().min(1),
  currency: z.string().length(3).nullable(),
  minSubtotalMinor: z.number().int().min(0).nullable(),
  startsAt: z.iso.datetime(),
  endsAt: z.iso.datetime(),
  maxUses: z.number().int().min(1).nullable(),
  maxUsesPerCustomer: z.number().int().min(1).nullable(),
  active: z.boolean(),
})

/** One use of a coupon by an order. */
const use = z.object({
  promotionId: id,
  code,
  orderId: id,
  userId: id,
  discountMinor: z.number().int().min(0),
  currency: z.string().length(3),
})

interface Spec<S extends z.ZodType> {
  topic: TopicName
  keyField: string
  schema: S
  ingestible: false
}

function on<S extends z.ZodType>(schema: S): Spec<S> {
  return { topic: 'promotion-events', keyField: 'code', schema, ingestible: false }
}

/** Spread into the catalog of event types (`EVENT_TYPES`). */
export const PROMOTION_EVENT_TYPES = {
  'promotion.created': on(terms.extend({ promotionId: id, code })),
  // Only the terms that changed, with their new values (`active: false` is a deactivation).
  'promotion.updated': on(
    z.object({ promotionId: id, code, changes: terms.partial(), updatedAt: z.iso.datetime() }),
  ),
  /** An order used the coupon: written with the order, in its transaction. */
  'coupon.redeemed': on(use),
  /** The order was cancelled: its use of the coupon is given back. */
  'coupon.released': on(use),
} as const
