import { type Product, productsByIds } from '../../services/catalog/index.ts'
import type { Recommender, Strategy } from '../../services/recommender/index.ts'
import type { Db } from '../../shared/db/client.ts'

/** Products per recommendation panel. */
export const PANEL_SIZE = 4

/** What a panel shows: products in the recommender's order, each with its reason. */
export interface Recommended {
  products: Product[]
  reasons: Map<string, string>
  strategy: string
}

/** Recommended products as catalog products, in the recommender's order, with their reasons. */
export async function recommendedProducts(
  db: Db,
  items: { productId: string; reason: string }[],
): Promise<Omit<Recommended, 'strategy'>> {
  const products = await productsByIds(
    db,
    items.map((i) => i.productId),
  )
  return { products, reasons: new Map(items.map((i) => [i.productId, i.reason])) }
}

/** "Recommended for you" for a shopper: the recommender's answer, as the panels show it. */
export async function recommendedFor(
  deps: { db: Db; recommender: Recommender; strategy: Strategy },
  shopperId: string,
): Promise<Recommended & { version: string }> {
  const answer = deps.recommender.recommend(shopperId, deps.strategy, PANEL_SIZE)
  const products = await recommendedProducts(deps.db, answer.items)
  return {
    ...products,
    strategy: answer.strategy,
    version: answer.items.map((i) => i.productId).join(','),
  }
}
