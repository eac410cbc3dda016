// Taking and giving back a coupon's uses on a real database, with the orders' stale quotes that a
// race produces made on purpose: a quote is no promise, the transaction decides.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import {
  type CouponRequest,
  createPromotion,
  getPromotion,
  quoteCoupon,
  redeemCoupon,
  releaseCoupon,
} from '../../../services/promotions/index.ts'
import { outbox } from '../../../shared/bus/schema.ts'
import type { Database } from '../../../shared/db/client.ts'
import { ValidationError } from '../../../shared/errors.ts'
import { tempDatabase, unique } from '../../helpers/broker.ts'

let database: Database & { dir: string }
const db = () => database.db

beforeAll(async () => {
  database = await tempDatabase()
})

afterAll(() => database.close())

async function coupon(terms: { maxUses?: number; maxUsesPerCustomer?: number }) {
  const promotion = await createPromotion(db(), {
    code: unique('r')
      .replaceAll(/[^A-Za-z0-9]/g, '')
      .slice(-16),
    kind: 'fixed',
    value: 300,
    currency: 'EUR',
    endsAt: new Date(Date.now() + 86_400_000).toISOString(),
    ...terms,
  })
  return promotion.code
}

const request = (code: string, userId = unique('u')): CouponRequest => ({
  code: code.toLowerCase(),
  userId,
  subtotalMinor: 2000,
  currency: 'EUR',
  now: Date.now(),
})

function redeem(req: CouponRequest, orderId = unique('order')) {
  return db().transaction((tx) => redeemCoupon(tx, { ...req, orderId }))
}

async function refusal(attempt: Promise<unknown>): Promise<unknown> {
  const error = await attempt.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ValidationError)
  return (error as ValidationError).errors
}

describe('taking a coupon’s use with the order', () => {
  test('two orders quoted before either took the last use: the second is refused in its transaction', async () => {
    const code = await coupon({ maxUses: 1 })
    const first = request(code)
    const second = request(code)
    // Both quotes pass: neither order has taken the use yet.
    expect((await quoteCoupon(db(), first)).discountMinor).toBe(300)
    expect((await quoteCoupon(db(), second)).discountMinor).toBe(300)
    await redeem(first)
    expect(await refusal(redeem(second))).toEqual([
      { field: 'couponCode', message: 'This coupon has been used up' },
    ])
    expect(await getPromotion(db(), code)).toMatchObject({ uses: 1, remainingUses: 0 })
  })

  test('one customer’s two orders quoted at once: the per-customer limit holds', async () => {
    const code = await coupon({ maxUsesPerCustomer: 1 })
    const first = request(code, 'same-customer')
    const second = request(code, 'same-customer')
    await quoteCoupon(db(), first)
    await quoteCoupon(db(), second)
    await redeem(first)
    expect(await refusal(redeem(second))).toEqual([
      { field: 'couponCode', message: 'You have already used this coupon' },
    ])
    // Another customer is not held back by it.
    await redeem(request(code, 'other-customer'))
    expect(await getPromotion(db(), code)).toMatchObject({ uses: 2 })
  })

  test('a refused redemption leaves nothing behind: no use, no row, no event', async () => {
    const code = await coupon({ maxUses: 1 })
    await redeem(request(code))
    const events = () => db().select().from(outbox).where(eq(outbox.key, code))
    const before = (await events()).length
    await refusal(redeem(request(code)))
    expect((await events()).length).toBe(before)
    expect(await getPromotion(db(), code)).toMatchObject({ uses: 1 })
  })
})

describe('giving a use back', () => {
  test('once per order, however often the cancellation is applied', async () => {
    const code = await coupon({ maxUses: 1 })
    const orderId = unique('order')
    await redeem(request(code), orderId)
    expect(await db().transaction((tx) => releaseCoupon(tx, orderId))).toBe(true)
    expect(await db().transaction((tx) => releaseCoupon(tx, orderId))).toBe(false)
    expect(await getPromotion(db(), code)).toMatchObject({ uses: 0, releasedUses: 1 })
    const released = await db().select().from(outbox).where(eq(outbox.type, 'coupon.released'))
    expect(released.filter((e) => JSON.parse(e.data).orderId === orderId)).toHaveLength(1)
    // The use given back can be taken again.
    await redeem(request(code))
    expect(await getPromotion(db(), code)).toMatchObject({ uses: 1 })
  })

  test('an order that used no coupon gives nothing back', async () => {
    expect(await db().transaction((tx) => releaseCoupon(tx, unique('order')))).toBe(false)
  })
})
