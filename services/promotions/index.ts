// The promotions context's public face: coupons for checkout (orders takes and gives back their
// uses) and the admin's JSON API.

export {
  type PromotionCreateInput,
  type PromotionUpdateInput,
  promotionCreateSchema,
  promotionUpdateSchema,
} from './inputs.ts'
export {
  createPromotion,
  getPromotion,
  listPromotions,
  type PromotionView,
  updatePromotion,
} from './promotion-changes.ts'
export { couponRefusal, discountFor, normaliseCode } from './promotions.ts'
export {
  type CouponQuote,
  type CouponRequest,
  quoteCoupon,
  redeemCoupon,
  redemptionOf,
  releaseCoupon,
} from './redemptions.ts'
export { type PromotionRouteDeps, promotionRoutes } from './routes.ts'
export type { CouponRedemption, Promotion } from './schema.ts'
