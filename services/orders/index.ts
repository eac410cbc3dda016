// The orders context's public face: what web/ and other services may use.

export {
  type CheckoutInput,
  checkoutSchema,
  getOrder,
  hasBought,
  listOrders,
  placeOrder,
} from './orders.ts'
export { idempotencyKeySchema, orderRoutes } from './routes.ts'
export type { Order, OrderItem, ShippingAddress } from './schema.ts'
