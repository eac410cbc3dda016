// Coupons at checkout: quoting one for an order, taking a use with the order, giving it back when
// the order is cancelled. Each use is a row and an event written in the order's own transaction.
import { and, count, eq, isNull, lt, or, sql } from 'drizzle-orm'
import { commit } from '../../shared/bus/commit.ts'
import type { Db, Tx } from '../../shared/db/client.ts'
import { ValidationError } from '../../shared/errors.ts'
import { createEvent } from '../../shared/events/envelope.ts'
import { PROMOTIONS_SOURCE } from './promotion-changes.ts'
import { couponRefusal, discountFor, normaliseCode } from './promotions.ts'
import { couponRedemptions, promotions } from './schema.ts'

/** An order that wants to use a coupon, as it stands when it is placed. */
export interface CouponRequest {
  /** As the shopper typed it, in any case. */
  code: string
  userId: string
  subtotalMinor: number
  currency: string
  now: number
}

/** A coupon this order may use, and what it takes off. */
export interface CouponQuote {
  promotionId: string
  code: string
  discountMinor: number
}

/** A refusal shown next to the checkout's coupon field (and named in the API's problem). */
function refused(message: string): ValidationError {
  return new ValidationError(message, [{ field: 'couponCode', message }])
}

async function customerUses(db: Db | Tx, promotionId: string, userId: string): Promise<number> {
  const [row] = await db
    .select({ uses: count() })
    .from(couponRedemptions)
    .where(
      and(
        eq(couponRedemptions.promotionId, promotionId),
        eq(couponRedemptions.userId, userId),
        eq(couponRedemptions.status, 'redeemed'),
      ),
    )
  return row?.uses ?? 0
}

async function check(db: Db | Tx, request: CouponRequest): Promise<CouponQuote> {
  const code = normaliseCode(request.code)
  const [promotion] = await db.select().from(promotions).where(eq(promotions.code, code))
  if (!promotion) throw refused(`There is no coupon ${code}`)
  const refusal = couponRefusal(promotion, {
    ...request,
    customerUses: await customerUses(db, promotion.id, request.userId),
  })
  if (refusal) throw refused(refusal)
  return {
    promotionId: promotion.id,
    code,
    discountMinor: discountFor(promotion, request.subtotalMinor),
  }
}

/**
 * Whether the order may use the coupon now, and what it takes off; a ValidationError on the field
 * `couponCode` when it may not (unknown, not yet or no longer valid, used up, the customer's limit
 * reached, another currency, below the minimum). It takes no use: `redeemCoupon` does, with the order.
 */
export function quoteCoupon(db: Db, request: CouponRequest): Promise<CouponQuote> {
  return check(db, request)
}

/**
 * Takes one use of the coupon for the order, inside the transaction that creates it: checks again,
 * takes the use with a conditional update (two orders racing for the last use: one gets it, the
 * other is refused), records the redemption and writes `coupon.redeemed`. The transaction holds the
 * database's write lock from its start, so the customer's count cannot move under it either. A
 * coupon's kind and value never change, so the discount is the one `quoteCoupon` gave.
 */
export async function redeemCoupon(
  tx: Tx,
  request: CouponRequest & { orderId: string },
): Promise<CouponQuote> {
  const quote = await check(tx, request)
  const taken = await tx
    .update(promotions)
    .set({ uses: sql`${promotions.uses} + 1` })
    .where(
      and(
        eq(promotions.id, quote.promotionId),
        or(isNull(promotions.maxUses), lt(promotions.uses, promotions.maxUses)),
      ),
    )
    .returning({ id: promotions.id })
  if (taken.length === 0) throw refused('This coupon has been used up')
  const use = {
    promotionId: quote.promotionId,
    code: quote.code,
    orderId: request.orderId,
    userId: request.userId,
    discountMinor: quote.discountMinor,
    currency: request.currency,
  }
  await commit(
    tx,
    (w) => [
      w.insert(couponRedemptions).values({ ...use, status: 'redeemed', redeemedAt: request.now }),
    ],
    [createEvent('coupon.redeemed', use, { source: PROMOTIONS_SOURCE })],
  )
  return quote
}

/**
 * Gives a cancelled order's use of its coupon back, inside the transaction that cancels it, and
 * writes `coupon.released`. The redemption flips from redeemed to released in one statement that
 * returns only what it flipped, so a second call (a retried transition) gives nothing back twice.
 * Returns whether a use was given back.
 */
export async function releaseCoupon(tx: Tx, orderId: string): Promise<boolean> {
  const [released] = await tx
    .update(couponRedemptions)
    .set({ status: 'released', releasedAt: Date.now() })
    .where(and(eq(couponRedemptions.orderId, orderId), eq(couponRedemptions.status, 'redeemed')))
    .returning()
  if (!released) return false
  const { promotionId, code, userId, discountMinor, currency } = released
  await commit(
    tx,
    (w) => [
      w
        .update(promotions)
        .set({ uses: sql`${promotions.uses} - 1` })
        .where(eq(promotions.id, promotionId)),
    ],
    [
      createEvent(
        'coupon.released',
        { promotionId, code, orderId, userId, discountMinor, currency },
        { source: PROMOTIONS_SOURCE },
      ),
    ],
  )
  return true
}

/** The coupon use an order holds or gave back; null when it used none. */
export async function redemptionOf(db: Db | Tx, orderId: string) {
  const [row] = await db
    .select()
    .from(couponRedemptions)
    .where(eq(couponRedemptions.orderId, orderId))
  return row ?? null
}
