import { availableStock } from '../../services/inventory/index.ts'
import type { Db } from '../../shared/db/client.ts'

/**
 * The products with what can still be sold as their stock: inventory's count, which orders move,
 * not the catalog's, which only an admin sets. A product inventory has not heard of yet keeps the
 * catalog's count. One query for the whole list.
 */
export async function withSellableStock<P extends { id: string; stock: number }>(
  db: Db,
  products: P[],
): Promise<P[]> {
  if (products.length === 0) return products
  const available = await availableStock(
    db,
    products.map((p) => p.id),
  )
  return products.map((p) => ({ ...p, stock: available.get(p.id) ?? p.stock }))
}
