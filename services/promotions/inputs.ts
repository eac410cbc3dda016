import { z } from 'zod'
import { normaliseCode } from './promotions.ts'

// What the promotions' admin API accepts, declared once: the routes validate with these, the
// domain functions re-parse with them, and the OpenAPI document is generated from them.

/** A coupon code as an admin creates it: letters, digits, `-` and `_`, stored in upper case. */
export const couponCodeSchema = z
  .string()
  .trim()
  .min(3, 'A code is 3 to 32 characters')
  .max(32, 'A code is 3 to 32 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'A code is letters, digits, dashes and underscores')
  .transform(normaliseCode)

/** The code in a path, any case. */
export const promotionKeySchema = z.object({ code: z.string().trim().min(1).max(64) })

const instant = z.iso.datetime({ offset: true, error: 'Use an ISO 8601 date-time' })
const limit = (what: string) =>
  z.number().int(`${what} must be a whole number`).min(1, `${what} must be at least 1`)

const terms = {
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'currency is a three-letter ISO 4217 code')
    .transform((c) => c.toUpperCase()),
  minSubtotalMinor: z.number().int('minSubtotalMinor is in minor units').min(0),
  startsAt: instant,
  endsAt: instant,
  maxUses: limit('maxUses'),
  maxUsesPerCustomer: limit('maxUsesPerCustomer'),
  active: z.boolean(),
}

/**
 * `POST /api/admin/promotions`: a percentage (1–100) of the subtotal, or a fixed amount in minor
 * units of `currency`. It starts now unless `startsAt` says otherwise; the limits are optional.
 */
export const promotionCreateSchema = z
  .strictObject({
    code: couponCodeSchema,
    kind: z.enum(['percent', 'fixed'], { error: 'kind is percent or fixed' }),
    value: z.number().int('value must be a whole number').min(1, 'value must be at least 1'),
    currency: terms.currency.optional(),
    minSubtotalMinor: terms.minSubtotalMinor.optional(),
    startsAt: terms.startsAt.optional(),
    endsAt: terms.endsAt,
    maxUses: terms.maxUses.optional(),
    maxUsesPerCustomer: terms.maxUsesPerCustomer.optional(),
    active: terms.active.default(true),
  })
  .superRefine((v, ctx) => {
    if (v.kind === 'percent' && v.value > 100)
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'A percentage is 1 to 100' })
    if (v.kind === 'fixed' && v.currency === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['currency'],
        message: 'A fixed amount needs a currency',
      })
    if (v.minSubtotalMinor !== undefined && v.currency === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['currency'],
        message: 'A minimum subtotal needs a currency',
      })
    const starts = v.startsAt === undefined ? Date.now() : Date.parse(v.startsAt)
    if (Date.parse(v.endsAt) <= starts)
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'endsAt must be after startsAt' })
  })

export type PromotionCreateInput = z.input<typeof promotionCreateSchema>

/**
 * `PATCH /api/admin/promotions/:code`: a new window, new limits (null lifts one), or
 * `active: false` to stop the coupon. What it takes off stays as created.
 */
export const promotionUpdateSchema = z
  .strictObject({
    startsAt: terms.startsAt,
    endsAt: terms.endsAt,
    maxUses: terms.maxUses.nullable(),
    maxUsesPerCustomer: terms.maxUsesPerCustomer.nullable(),
    minSubtotalMinor: terms.minSubtotalMinor.nullable(),
    active: terms.active,
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'Give at least one field to change')

export type PromotionUpdateInput = z.input<typeof promotionUpdateSchema>
