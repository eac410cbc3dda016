// The rules of a coupon: whether an order may use it, and what it takes off. Nothing here knows
// HTTP, Kafka or SQL; the store (redemptions.ts) asks these questions inside the order's
// transaction.
import type { PromotionKind } from './schema.ts'

/** What a coupon's rules look at. */
export interface CouponTerms {
  kind: PromotionKind
  value: number
  currency: string | null
  minSubtotalMinor: number | null
  startsAt: number
  endsAt: number
  maxUses: number | null
  maxUsesPerCustomer: number | null
  active: boolean
  /** Uses held now by orders that were not cancelled. */
  uses: number
}

/** The order that wants to use the coupon, at the moment it is placed. */
export interface CouponAttempt {
  subtotalMinor: number
  currency: string
  now: number
  /** Uses this customer holds now (their cancelled orders gave theirs back). */
  customerUses: number
}

/** Codes are compared in upper case: `save10`, `Save10` and `SAVE10` are one coupon. */
export function normaliseCode(code: string): string {
  return code.trim().toUpperCase()
}

/**
 * What the coupon takes off a subtotal, in minor units: a percentage rounded down to the minor unit
 * (the shopper never gets more than the percentage), or the fixed amount capped at the subtotal
 * (an order never costs less than nothing).
 */
export function discountFor(terms: Pick<CouponTerms, 'kind' | 'value'>, subtotalMinor: number) {
  if (terms.kind === 'percent') return Math.floor((subtotalMinor * terms.value) / 100)
  return Math.min(terms.value, subtotalMinor)
}

const day = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' })

function money(minor: number, currency: string): string {
  return `${(minor / 100).toFixed(2)} ${currency}`
}

/**
 * Why this order may not use the coupon, in words a shopper understands; null when it may. The
 * window runs from `startsAt` (inclusive) to `endsAt` (exclusive).
 */
export function couponRefusal(terms: CouponTerms, attempt: CouponAttempt): string | null {
  if (!terms.active) return 'This coupon is no longer valid'
  if (attempt.now < terms.startsAt) return `This coupon is valid from ${day.format(terms.startsAt)}`
  if (attempt.now >= terms.endsAt) return `This coupon expired on ${day.format(terms.endsAt)}`
  if (terms.currency !== null && terms.currency !== attempt.currency)
    return `This coupon is for orders in ${terms.currency}`
  if (terms.minSubtotalMinor !== null && attempt.subtotalMinor < terms.minSubtotalMinor)
    return `This coupon needs an order of at least ${money(terms.minSubtotalMinor, attempt.currency)}`
  if (terms.maxUses !== null && terms.uses >= terms.maxUses) return 'This coupon has been used up'
  if (terms.maxUsesPerCustomer !== null && attempt.customerUses >= terms.maxUsesPerCustomer)
    return terms.maxUsesPerCustomer === 1
      ? 'You have already used this coupon'
      : `You have already used this coupon ${terms.maxUsesPerCustomer} times, the most allowed`
  return null
}
