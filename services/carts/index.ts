// The carts context's public face: what web/ and other services may use.

export {
  addToCart,
  type Cart,
  type CartLine,
  cartCount,
  emptyCartStatement,
  getCart,
  mergeGuestCart,
  removeFromCart,
  setQuantity,
} from './carts.ts'

import { productDeleted } from './consumers/product-events.ts'

/** What the carts context consumes; `bun run dev` and `bun services/carts/main.ts` start them. */
export const consumers = [productDeleted]
