import { z } from 'zod'
import { defineConsumer } from '../../../shared/consumers/define.ts'
import { ValidationError } from '../../../shared/errors.ts'
import { addStock, setStock } from '../inventory.ts'

const count = z.number().int().min(0)

/**
 * What inventory reads of a product event: the product and, where the event carries one, its count
 * of sellable units (`stock` on product.created, `changes.stock` on product.updated). The catalog
 * already validated the rest, and inventory has no use for it.
 */
const productStock = z.object({
  productId: z.string().trim().min(1).max(128),
  stock: count.optional(),
  changes: z.object({ stock: count.optional() }).optional(),
})

/**
 * The catalog's counts become inventory's: a new product starts with its stock, an admin's new
 * count replaces what can still be sold (what orders hold stays held), a deleted product has
 * nothing left to sell. A product.created for a product inventory already counts keeps its count,
 * which orders have moved on since (a redelivery or a replay of the topic would put sold units back).
 */
export const productStockChanged = defineConsumer({
  group: 'inventory',
  topic: 'product-events',
  types: ['product.created', 'product.updated', 'product.deleted'],
  schema: productStock,
  async handle(event, ctx) {
    const { productId, stock, changes } = event.data
    switch (event.type) {
      case 'product.created': {
        if (stock === undefined) {
          const message = 'product.created needs a stock'
          throw new ValidationError(message, [{ field: 'stock', message }])
        }
        await addStock(ctx.tx, productId, stock)
        return
      }
      case 'product.updated':
        if (changes?.stock !== undefined) await setStock(ctx.tx, productId, changes.stock)
        return
      case 'product.deleted':
        await setStock(ctx.tx, productId, 0)
        return
    }
  },
})
