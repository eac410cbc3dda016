// A coupon's rules, on their own: its window, its limits, what it takes off.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { promotionCreateSchema } from '../../../services/promotions/inputs.ts'
import {
  type CouponAttempt,
  type CouponTerms,
  couponRefusal,
  discountFor,
  normaliseCode,
} from '../../../services/promotions/promotions.ts'

const DAY = 86_400_000
const now = Date.parse('2026-06-15T12:00:00Z')

const terms: CouponTerms = {
  kind: 'percent',
  value: 10,
  currency: null,
  minSubtotalMinor: null,
  startsAt: now - DAY,
  endsAt: now + DAY,
  maxUses: null,
  maxUsesPerCustomer: null,
  active: true,
  uses: 0,
}
const attempt: CouponAttempt = { subtotalMinor: 5000, currency: 'EUR', now, customerUses: 0 }

describe('what a coupon takes off', () => {
  test('a percentage of the subtotal, rounded down to the minor unit', () => {
    expect(discountFor({ kind: 'percent', value: 10 }, 5000)).toBe(500)
    // 15% of 9.99 is 1.4985: the shopper gets 1.49, never more than the percentage.
    expect(discountFor({ kind: 'percent', value: 15 }, 999)).toBe(149)
    expect(discountFor({ kind: 'percent', value: 100 }, 1234)).toBe(1234)
  })

  test('a fixed amount, capped at the subtotal', () => {
    expect(discountFor({ kind: 'fixed', value: 500 }, 5000)).toBe(500)
    expect(discountFor({ kind: 'fixed', value: 500 }, 300)).toBe(300)
  })

  test('never less than nothing nor more than the subtotal, whatever the terms', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('percent' as const, 'fixed' as const),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 100_000_000 }),
        (kind, raw, subtotal) => {
          const value = kind === 'percent' ? (raw % 100) + 1 : raw
          const discount = discountFor({ kind, value }, subtotal)
          expect(Number.isInteger(discount)).toBe(true)
          expect(discount).toBeGreaterThanOrEqual(0)
          expect(discount).toBeLessThanOrEqual(subtotal)
        },
      ),
    )
  })
})

describe('whether an order may use a coupon', () => {
  test('within its window: from startsAt (inclusive) to endsAt (exclusive)', () => {
    expect(couponRefusal(terms, attempt)).toBeNull()
    expect(couponRefusal({ ...terms, startsAt: now }, attempt)).toBeNull()
    expect(couponRefusal({ ...terms, startsAt: now + 1 }, attempt)).toBe(
      'This coupon is valid from 15 Jun 2026',
    )
    expect(couponRefusal({ ...terms, endsAt: now }, attempt)).toBe(
      'This coupon expired on 15 Jun 2026',
    )
  })

  test('not once stopped', () => {
    expect(couponRefusal({ ...terms, active: false }, attempt)).toBe(
      'This coupon is no longer valid',
    )
  })

  test('up to its uses per code, a cancelled order’s use not counted', () => {
    expect(couponRefusal({ ...terms, maxUses: 3, uses: 2 }, attempt)).toBeNull()
    expect(couponRefusal({ ...terms, maxUses: 3, uses: 3 }, attempt)).toBe(
      'This coupon has been used up',
    )
  })

  test('up to its uses per customer', () => {
    const once = { ...terms, maxUsesPerCustomer: 1 }
    expect(couponRefusal(once, attempt)).toBeNull()
    expect(couponRefusal(once, { ...attempt, customerUses: 1 })).toBe(
      'You have already used this coupon',
    )
    expect(
      couponRefusal({ ...terms, maxUsesPerCustomer: 2 }, { ...attempt, customerUses: 2 }),
    ).toBe('You have already used this coupon 2 times, the most allowed')
  })

  test('in its currency, from its minimum subtotal', () => {
    const euros = { ...terms, kind: 'fixed' as const, value: 500, currency: 'EUR' }
    expect(couponRefusal(euros, { ...attempt, currency: 'USD' })).toBe(
      'This coupon is for orders in EUR',
    )
    const minimum = { ...euros, minSubtotalMinor: 5000 }
    expect(couponRefusal(minimum, attempt)).toBeNull()
    expect(couponRefusal(minimum, { ...attempt, subtotalMinor: 4999 })).toBe(
      'This coupon needs an order of at least 50.00 EUR',
    )
  })
})

describe('coupon codes', () => {
  test('are one code in any case', () => {
    expect(normaliseCode('  save10 ')).toBe('SAVE10')
    expect(normaliseCode('Save10')).toBe(normaliseCode('SAVE10'))
    expect(
      promotionCreateSchema.parse({
        code: 'spring-Sale',
        kind: 'percent',
        value: 10,
        endsAt: new Date(Date.now() + DAY).toISOString(),
      }).code,
    ).toBe('SPRING-SALE')
  })

  test('a promotion is refused when its terms make no sense', () => {
    const endsAt = new Date(Date.now() + DAY).toISOString()
    const issues = (input: object) =>
      promotionCreateSchema.safeParse(input).error?.issues.map((i) => i.path.join('.')) ?? []
    expect(issues({ code: 'BIG', kind: 'percent', value: 101, endsAt })).toEqual(['value'])
    expect(issues({ code: 'FIVE', kind: 'fixed', value: 500, endsAt })).toEqual(['currency'])
    expect(
      issues({
        code: 'BACKWARDS',
        kind: 'percent',
        value: 5,
        startsAt: endsAt,
        endsAt: new Date(Date.now()).toISOString(),
      }),
    ).toEqual(['endsAt'])
    expect(issues({ code: 'no spaces', kind: 'percent', value: 5, endsAt })).toEqual(['code'])
  })
})
