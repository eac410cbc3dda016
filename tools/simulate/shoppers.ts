import type { EventType } from '../../shared/events/types.ts'

// Simulated shoppers with planted tastes: each prefers 1–3 categories, so a recommender fed by
// them has a known right answer. Nothing here does I/O; the runner brings the catalog and the
// recommendations, and sends what these functions return.

/** A uniform draw in [0, 1). Tastes use a seeded one; the action stream may be seeded or not. */
export type Rng = () => number

/** A generator seeded from a string (FNV-1a into mulberry32): the same text, the same draws. */
export function seededRng(text: string): Rng {
  let state = 0x811c9dc5
  for (let i = 0; i < text.length; i++) state = Math.imul(state ^ text.charCodeAt(i), 0x01000193)
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function pick<T>(items: readonly T[], rng: Rng): T {
  const item = items[Math.floor(rng() * items.length)]
  if (item === undefined) throw new Error('pick from an empty list')
  return item
}

export interface CatalogProduct {
  id: string
  name: string
  categoryId: string
}

export interface Catalog {
  /** Category ids that hold products, sorted, so tastes depend on the seed and not on page order. */
  categories: string[]
  productsIn: Map<string, CatalogProduct[]>
  byId: Map<string, CatalogProduct>
  categoryNames: Map<string, string>
}

export function indexCatalog(
  products: readonly CatalogProduct[],
  categories: readonly { id: string; name: string }[] = [],
): Catalog {
  const productsIn = new Map<string, CatalogProduct[]>()
  for (const p of products) {
    const list = productsIn.get(p.categoryId) ?? []
    list.push(p)
    productsIn.set(p.categoryId, list)
  }
  return {
    categories: [...productsIn.keys()].sort(),
    productsIn,
    byId: new Map(products.map((p) => [p.id, p])),
    categoryNames: new Map(categories.map((c) => [c.id, c.name])),
  }
}

export interface Shopper {
  id: string
  /** The planted taste: the categories this shopper mostly browses, buys and rates highly. */
  preferred: string[]
  /** Recently viewed product ids, newest last: what they put in the cart and rate. */
  seen: string[]
  cart: Map<string, number>
  /** The product their last search was after: their next click is on it (search → click). */
  searchedFor: string | null
}

/** `sim-<seed>-<n>` for n = 1…users, each with its tastes drawn from the seed alone. */
export function plantShoppers(
  seed: number,
  users: number,
  categories: readonly string[],
): Shopper[] {
  return Array.from({ length: users }, (_, i): Shopper => {
    const rng = seededRng(`${seed}:${i + 1}`)
    const pool = [...categories]
    const preferred: string[] = []
    const wanted = Math.min(1 + Math.floor(rng() * 3), pool.length)
    while (preferred.length < wanted)
      preferred.push(...pool.splice(Math.floor(rng() * pool.length), 1))
    return { id: `sim-${seed}-${i + 1}`, preferred, seen: [], cart: new Map(), searchedFor: null }
  })
}

/** How often each action is chosen, relative to the others: mostly browsing, rarely buying. */
export const ACTION_MIX = {
  view: 45,
  click: 12,
  recommendation: 10,
  search: 9,
  cart: 9,
  rate: 9,
  purchase: 6,
} as const

export type Action = keyof typeof ACTION_MIX
const ACTIONS = Object.keys(ACTION_MIX) as Action[]
const MIX_TOTAL = ACTIONS.reduce((sum, a) => sum + ACTION_MIX[a], 0)

/** An action drawn from the mix; a recommendation click sends two events, so it needs room for both. */
export function pickAction(rng: Rng, eventsLeft: number): Action {
  let draw = rng() * MIX_TOTAL
  for (const action of ACTIONS) {
    draw -= ACTION_MIX[action]
    if (draw < 0) return action === 'recommendation' && eventsLeft < 2 ? 'view' : action
  }
  return 'view'
}

/** What `POST /api/events` takes; the id makes a resend after a lost answer count once. */
export interface SimEvent {
  id: string
  type: EventType
  userId: string
  productId?: string
  rating?: number
  query?: string
  quantity?: number
  data?: Record<string, unknown>
}

// Shoppers stray from their tastes now and then, as real ones do: the planted signal is strong,
// not the only one, so a recommender has noise to see through.
const LOYALTY = 0.85
const SEEN_KEPT = 20

/** A product of one of the shopper's categories, now and then of any. */
export function pickProduct(shopper: Shopper, catalog: Catalog, rng: Rng): CatalogProduct {
  const category = rng() < LOYALTY ? pick(shopper.preferred, rng) : pick(catalog.categories, rng)
  return pick(catalog.productsIn.get(category) ?? [], rng)
}

function recentOrNew(shopper: Shopper, catalog: Catalog, rng: Rng): string {
  return shopper.seen.length > 0 && rng() < 0.8
    ? pick(shopper.seen, rng)
    : pickProduct(shopper, catalog, rng).id
}

function saw(shopper: Shopper, productId: string): void {
  shopper.seen.push(productId)
  if (shopper.seen.length > SEEN_KEPT) shopper.seen.shift()
}

/** 4–5 for a product of a preferred category, 1–3 otherwise. */
export function ratingFor(shopper: Shopper, catalog: Catalog, productId: string, rng: Rng) {
  const category = catalog.byId.get(productId)?.categoryId ?? ''
  return shopper.preferred.includes(category)
    ? 4 + Math.floor(rng() * 2)
    : 1 + Math.floor(rng() * 3)
}

/** Now the name of a category they like ("shoes"), now a word of a product there ("sneakers"). */
function searchQuery(shopper: Shopper, catalog: Catalog, rng: Rng): string {
  const product = pickProduct(shopper, catalog, rng)
  shopper.searchedFor = product.id
  const category = catalog.categoryNames.get(product.categoryId)
  if (category && rng() < 0.3) return category.toLowerCase()
  const words = product.name.toLowerCase().match(/[a-z]{3,}/g)
  return words ? pick(words, rng) : product.name
}

type OwnAction = Exclude<Action, 'recommendation'>

/** The events of one action the shopper takes on their own, updating what they have seen and hold. */
export function act(shopper: Shopper, action: OwnAction, catalog: Catalog, rng: Rng): SimEvent[] {
  const event = (type: EventType, fields: Partial<SimEvent>): SimEvent => ({
    id: crypto.randomUUID(),
    type,
    userId: shopper.id,
    ...fields,
  })
  switch (action) {
    case 'view': {
      const product = pickProduct(shopper, catalog, rng)
      saw(shopper, product.id)
      return [event('product.viewed', { productId: product.id })]
    }
    case 'click': {
      // A click follows a search when there was one: the search funnel's second step.
      const productId = shopper.searchedFor ?? pickProduct(shopper, catalog, rng).id
      shopper.searchedFor = null
      return [event('product.clicked', { productId })]
    }
    case 'search':
      return [event('product.searched', { query: searchQuery(shopper, catalog, rng) })]
    case 'cart': {
      const productId = recentOrNew(shopper, catalog, rng)
      const quantity = 1 + Math.floor(rng() * 2)
      shopper.cart.set(productId, (shopper.cart.get(productId) ?? 0) + quantity)
      return [event('cart.item_added', { productId, quantity })]
    }
    case 'purchase': {
      const [inCart] = shopper.cart
      const [productId, quantity] = inCart ?? [recentOrNew(shopper, catalog, rng), 1]
      shopper.cart.delete(productId)
      return [event('product.purchased', { productId, quantity })]
    }
    case 'rate': {
      const productId = recentOrNew(shopper, catalog, rng)
      return [
        event('product.rated', { productId, rating: ratingFor(shopper, catalog, productId, rng) }),
      ]
    }
  }
}

/** The experiment and variant a list of recommendations was shown under. */
export interface ShownVariant {
  experimentId: string
  variant: string
}

export interface RecommendedProduct {
  productId: string
  category: string
}

/**
 * A click on one of the shop's recommendations (preferring the shopper's categories and the top
 * of the list) and the view of the page it leads to; none when there was nothing to click.
 */
export function clickRecommendation(
  shopper: Shopper,
  items: readonly RecommendedProduct[],
  strategy: string,
  rng: Rng,
  experiment: ShownVariant | null = null,
): SimEvent[] {
  const ranked = items.map((item, i) => ({ item, position: i + 1 }))
  const liked = ranked.filter((r) => shopper.preferred.includes(r.item.category))
  const from = liked.length > 0 && rng() < LOYALTY ? liked : ranked
  // Half the clicks go to the first of the list: people click near the top.
  const chosen = from[rng() < 0.5 ? 0 : Math.floor(rng() * from.length)]
  if (!chosen) return []
  const { productId } = chosen.item
  saw(shopper, productId)
  const base = { userId: shopper.id, productId }
  return [
    {
      id: crypto.randomUUID(),
      type: 'recommendation.clicked',
      ...base,
      data: { strategy, position: chosen.position, ...experiment },
    },
    { id: crypto.randomUUID(), type: 'product.viewed', ...base },
  ]
}
