import { eq } from 'drizzle-orm'
import { commit } from '../../../shared/bus/commit.ts'
import { catalogSchema, defineConsumer } from '../../../shared/consumers/define.ts'
import { cartEvent } from '../carts.ts'
import { cartItems } from '../schema.ts'

/**
 * When the catalog deletes a product, it leaves every cart: each affected shopper's line goes, with
 * the `cart.item_removed` event their cart history needs, in the same transaction.
 */
export const productDeleted = defineConsumer({
  group: 'carts',
  topic: 'product-events',
  types: ['product.deleted'],
  schema: catalogSchema('product.deleted'),
  async handle(event, ctx) {
    const { productId } = event.data
    const lines = await ctx.tx.select().from(cartItems).where(eq(cartItems.productId, productId))
    if (lines.length === 0) return
    await commit(
      ctx.tx,
      (w) => [w.delete(cartItems).where(eq(cartItems.productId, productId))],
      lines.map((l) =>
        cartEvent('cart.item_removed', l.shopperId, productId, l.quantity, {
          reason: 'product_deleted',
        }),
      ),
    )
  },
})
