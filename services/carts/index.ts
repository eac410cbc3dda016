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
