import { type Product, popularProducts, productsByIds } from '../../services/catalog/index.ts'
import {
  type Assignment,
  type RecommendationServing,
  STRATEGIES,
  type Strategy,
} from '../../services/recommender/index.ts'
import type { Db } from '../../shared/db/client.ts'
import { withSellableStock } from './sellable.ts'

/** Products per recommendation panel. */
export const PANEL_SIZE = 4

/** What a panel shows: products in the recommender's order, each with its reason. */
export interface Recommended {
  products: Product[]
  reasons: Map<string, string>
  strategy: string
  /** The experiment variant that chose the strategy, if any: its clicks are counted for it. */
  assignment?: Assignment | null
}

/** What the deps of a page with a "Recommended for you" panel hold. */
export interface RecommendedDeps {
  db: Db
  /** The recommender's answers: the strategy of the shopper's variant, or the default. */
  serving: RecommendationServing
}

/** Recommended products as catalog products, in the recommender's order, with their reasons. */
export async function recommendedProducts(
  db: Db,
  items: { productId: string; reason: string }[],
): Promise<Omit<Recommended, 'strategy'>> {
  const products = await withSellableStock(
    db,
    await productsByIds(
      db,
      items.map((i) => i.productId),
    ),
  )
  return { products, reasons: new Map(items.map((i) => [i.productId, i.reason])) }
}

/**
 * "Recommended for you" for a shopper: the recommender's answer, as the panels show it. `logged`
 * false for a stream re-rendering the panel, which is not a new ask.
 */
export async function recommendedFor(
  deps: RecommendedDeps,
  shopperId: string,
  logged = true,
): Promise<Recommended & { version: string }> {
  const { answer, assignment } = deps.serving.serve({
    userId: shopperId,
    limit: PANEL_SIZE,
    channel: 'panel',
    logged,
  })
  const products = await recommendedProducts(deps.db, answer.items)
  return {
    ...products,
    strategy: answer.strategy,
    assignment,
    version: panelVersion(products),
  }
}

/**
 * What a panel shows, as a stream compares it: the products and their reasons. The same products
 * for a new reason ("popular in Books" becoming "because you viewed …") are a change to send.
 */
export function panelVersion(panel: Omit<Recommended, 'strategy'>): string {
  return panel.products.map((p) => `${p.id}:${panel.reasons.get(p.id) ?? ''}`).join('|')
}

/**
 * "Customers also bought" for a product: what item-item says goes with it, filled up with its
 * category's most popular while few have bought it with anything.
 */
export async function alsoBoughtFor(
  deps: RecommendedDeps,
  product: { id: string; categoryId: string },
): Promise<Omit<Recommended, 'strategy'> & { version: string }> {
  const items = deps.serving.recommender.alsoBought(product.id, PANEL_SIZE)
  const [alsoBought, sameCategory] = await Promise.all([
    recommendedProducts(deps.db, items),
    popularProducts(deps.db, PANEL_SIZE + 1, { category: product.categoryId }),
  ])
  const shown = new Set([product.id, ...alsoBought.products.map((p) => p.id)])
  for (const p of sameCategory) {
    if (alsoBought.products.length >= PANEL_SIZE) break
    if (shown.has(p.id)) continue
    alsoBought.products.push(p)
    alsoBought.reasons.set(p.id, 'popular in this category')
  }
  return { ...alsoBought, version: panelVersion(alsoBought) }
}

/**
 * The query a panel's link carries so the click is tracked: `rec=<strategy>.<position>`, and
 * `ab=<experiment>.<variant>` when an experiment's variant chose the strategy.
 */
export function recommendationQuery(
  strategy: string,
  position: number,
  assignment?: Assignment | null,
): string {
  const query = new URLSearchParams({ rec: `${strategy}.${position}` })
  if (assignment) query.set('ab', `${assignment.experimentId}.${assignment.variant}`)
  return query.toString()
}

/** `?rec=<strategy>.<position>[&ab=<experiment>.<variant>]` as the click to track; null if not one. */
export function parseRecommendationClick(
  rec: string | undefined,
  ab: string | undefined,
): { strategy: Strategy; position: number; experimentId?: string; variant?: string } | null {
  const [strategy, position] = (rec ?? '').split('.')
  const n = Number(position)
  if (!STRATEGIES.includes(strategy as Strategy) || !Number.isInteger(n) || n < 1 || n > 100)
    return null
  const click = { strategy: strategy as Strategy, position: n }
  // An experiment id has no '.', so the first one separates it from the variant's name.
  const dot = ab?.indexOf('.') ?? -1
  if (!ab || dot < 1 || ab.length > 130) return click
  return { ...click, experimentId: ab.slice(0, dot), variant: ab.slice(dot + 1) }
}
