// The shoppers of the recommender bench: each has a history over the seeded catalog, with planted
// tastes (one or two favourite categories, their best sellers most of all), as the envelopes the
// log would carry. The same seed gives the same events, so every process of a run — the shop, the
// naive baseline, the memory probes — learns the same history without any of them sharing objects.
import {
  type DemoCatalog,
  generateDemoCatalog,
  productCreatedEvents,
} from '../services/catalog/demo-catalog.ts'
import type { ProductFacts } from '../services/recommender/events.ts'
import { createEvent, type EventEnvelope } from '../shared/events/envelope.ts'
import { seededRandom } from '../test/helpers/planted.ts'

export const HISTORY_USERS = 10_000
export const EVENTS_PER_USER = 20
const SEED = 8
/** Share of a shopper's events in their favourite categories. */
const AFFINITY = 0.8
const SPAN_MS = 7 * 86_400_000
const SOURCE = '/streamshop/bench'

/** The id of bench shopper `n` (0-based). */
export const shopperId = (n: number) => `bench-shopper-${n}`

let demo: DemoCatalog | null = null
/** The seeded catalog (`seedCatalog`'s rows), generated once per process. */
export function demoCatalog(): DemoCatalog {
  demo ??= generateDemoCatalog()
  return demo
}

/** What the recommender shows of each seeded product, as its `product.created` carries it. */
export function catalogFacts(): ProductFacts[] {
  return demoCatalog().products.map((p) => ({
    productId: p.id,
    name: p.name,
    categoryId: p.categoryId,
    priceMinor: p.priceMinor,
    currency: p.currency,
    attributes: p.attributes,
  }))
}

/** The seeded catalog's `product.created` envelopes, as `seedCatalog` publishes them. */
export function catalogEnvelopes(): EventEnvelope[] {
  return productCreatedEvents(demoCatalog().products)
}

export interface HistoryOptions {
  users?: number
  perUser?: number
  /** The time of the last event (epoch ms); the history spans the week before it. */
  endAt: number
}

/**
 * `users × perUser` views, cart adds and purchases, interleaved as a log is (every shopper's n-th
 * event before anyone's n+1-th), in time order.
 */
export function* historyEnvelopes(opts: HistoryOptions): Generator<EventEnvelope> {
  const users = opts.users ?? HISTORY_USERS
  const perUser = opts.perUser ?? EVENTS_PER_USER
  const random = seededRandom(SEED)
  const { products, categories } = demoCatalog()
  const byCategory = categories.map((c) => products.filter((p) => p.categoryId === c.id))
  const favourites = Array.from({ length: users }, () => {
    const first = Math.floor(random() * categories.length)
    return random() < 0.5 ? [first] : [first, Math.floor(random() * categories.length)]
  })
  const total = users * perUser
  const startAt = opts.endAt - SPAN_MS
  for (let n = 0; n < total; n++) {
    const user = n % users
    let product: (typeof products)[number]
    if (random() < AFFINITY) {
      const liked = favourites[user] as number[]
      const list = byCategory[liked[Math.floor(random() * liked.length)] as number] ?? products
      // Squaring a uniform draw skews it to the front: a category's first products sell most.
      product = list[Math.floor(random() ** 2 * list.length)] as (typeof products)[number]
    } else
      product = products[Math.floor(random() ** 1.5 * products.length)] as (typeof products)[number]
    const roll = random()
    const type =
      roll < 0.75 ? 'product.viewed' : roll < 0.9 ? 'cart.item_added' : 'product.purchased'
    yield createEvent(
      type,
      { userId: shopperId(user), productId: product.id, metadata: {} },
      { source: SOURCE, time: new Date(startAt + Math.floor((n * SPAN_MS) / total)) },
    )
  }
}
