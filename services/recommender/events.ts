// What the models learn from each catalog event: an interaction, a product to know (or forget),
// or a category a shopper browsed. Everything else on the consumed topics teaches them nothing.
import type { EventEnvelope } from '../../shared/events/envelope.ts'
import type { EventData, EventType } from '../../shared/events/types.ts'
import type { Interaction, InteractionKind } from './models/types.ts'

/** The behaviour and catalog topics the models are rebuilt from. */
export const MODEL_TOPICS = ['user-events', 'cart-events', 'product-events', 'analytics-events']

const INTERACTIONS: Partial<Record<EventType, InteractionKind>> = {
  'product.viewed': 'view',
  'product.clicked': 'click',
  'recommendation.clicked': 'recommendation_click',
  'product.rated': 'rating',
  'product.purchased': 'purchase',
  'cart.item_added': 'cart',
}

/** Every event type the models learn from: the interactions, the catalog, browsed categories. */
export const MODEL_TYPES: readonly EventType[] = [
  ...(Object.keys(INTERACTIONS) as EventType[]),
  'product.created',
  'product.updated',
  'product.deleted',
  'product_list.viewed',
]

/** What the recommender shows of a product besides what the models use. */
export interface ProductFacts {
  productId: string
  name: string
  categoryId: string
  priceMinor: number
  currency: string
  attributes: Record<string, string>
}

export type ModelUpdate =
  | { kind: 'interaction'; interaction: Interaction }
  | { kind: 'product'; product: ProductFacts }
  | { kind: 'product-changes'; productId: string; changes: Partial<ProductFacts> }
  | { kind: 'product-deleted'; productId: string }
  | { kind: 'category-browsed'; userId: string; categoryId: string }

export function modelUpdate(event: EventEnvelope): ModelUpdate | null {
  const at = Date.parse(event.time)
  const kind = INTERACTIONS[event.type as EventType]
  if (kind) {
    const data = event.data as EventData<'product.viewed'>
    return {
      kind: 'interaction',
      interaction: { userId: data.userId, itemId: data.productId, kind, rating: data.rating, at },
    }
  }
  switch (event.type as EventType) {
    case 'product.created': {
      const d = event.data as EventData<'product.created'>
      return {
        kind: 'product',
        product: {
          productId: d.productId,
          name: d.name,
          categoryId: d.categoryId,
          priceMinor: d.priceMinor,
          currency: d.currency,
          attributes: d.attributes,
        },
      }
    }
    case 'product.updated': {
      const d = event.data as EventData<'product.updated'>
      return { kind: 'product-changes', productId: d.productId, changes: d.changes }
    }
    case 'product.deleted':
      return {
        kind: 'product-deleted',
        productId: (event.data as EventData<'product.deleted'>).productId,
      }
    case 'product_list.viewed': {
      const d = event.data as EventData<'product_list.viewed'>
      const category = d.metadata.categoryId ?? d.metadata.category
      return typeof category === 'string'
        ? { kind: 'category-browsed', userId: d.userId, categoryId: category }
        : null
    }
    default:
      return null
  }
}
