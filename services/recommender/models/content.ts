// Content-based: what a user engaged with says which categories and attributes they like; items
// sharing them score by how much, with popularity breaking ties inside a category.
import { addScore, type Scores } from './top-k.ts'
import type { ItemInfo } from './types.ts'

/** An item's features: its category and each attribute as `name=value`. */
function featuresOf(item: ItemInfo | undefined): string[] {
  if (!item) return []
  const features = item.category ? [`category=${item.category}`] : []
  for (const [name, value] of Object.entries(item.attributes ?? {})) {
    for (const part of value.split('|')) if (part) features.push(`${name}=${part}`)
  }
  return features
}

export class ContentModel {
  readonly #items = new Map<string, { info: ItemInfo; features: string[] }>()
  /** Items per feature, so a user's features find their items without scanning the catalogue. */
  readonly #byFeature = new Map<string, Set<string>>()

  upsert(info: ItemInfo): void {
    this.remove(info.id)
    const features = featuresOf(info)
    this.#items.set(info.id, { info, features })
    for (const f of features) {
      let set = this.#byFeature.get(f)
      if (!set) {
        set = new Set()
        this.#byFeature.set(f, set)
      }
      set.add(info.id)
    }
  }

  remove(itemId: string): void {
    const old = this.#items.get(itemId)
    if (!old) return
    for (const f of old.features) this.#byFeature.get(f)?.delete(itemId)
    this.#items.delete(itemId)
  }

  /** A category's display name, as any of its items carries it. */
  categoryName(categoryId: string): string | undefined {
    for (const itemId of this.#byFeature.get(`category=${categoryId}`) ?? []) {
      const name = this.#items.get(itemId)?.info.categoryName
      if (name) return name
    }
    return undefined
  }

  info(itemId: string): ItemInfo | undefined {
    return this.#items.get(itemId)?.info
  }

  /**
   * What the user's items say they like, per feature. Computed from their weights when asked, not
   * accumulated as events arrive: a product's facts may reach the log after the views of it (they
   * are on another topic), and a replica replaying the log must reach the same answer.
   */
  affinity(weights: ReadonlyMap<string, number>): Map<string, number> {
    const affinity = new Map<string, number>()
    for (const [itemId, weight] of weights) {
      const features = this.#items.get(itemId)?.features
      if (!features || features.length === 0) continue
      // An item with many attributes must not outweigh one with a single category.
      const share = weight / Math.sqrt(features.length)
      for (const f of features) affinity.set(f, (affinity.get(f) ?? 0) + share)
    }
    return affinity
  }

  /** The user's favourite categories, strongest first. */
  topCategories(weights: ReadonlyMap<string, number>, n = 3): string[] {
    return [...this.affinity(weights)]
      .filter(([f]) => f.startsWith('category='))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([f]) => f.slice('category='.length))
  }

  /**
   * Items sharing the user's features, each scored by the user's affinity to what it has (cosine-
   * like: divided by √features), times a gentle popularity factor so the better-liked items of a
   * category come first. The reason names the strongest category.
   */
  score(
    weights: ReadonlyMap<string, number>,
    popularity: (itemId: string) => number,
    maxPopularity: number,
  ): Scores {
    const scores: Scores = new Map()
    const affinity = this.affinity(weights)
    const total = [...affinity.values()].reduce((a, b) => a + b, 0) || 1
    for (const [feature, weight] of affinity) {
      for (const itemId of this.#byFeature.get(feature) ?? []) {
        const features = this.#items.get(itemId)?.features.length ?? 1
        addScore(scores, itemId, weight / total / Math.sqrt(features), feature)
      }
    }
    const norm = maxPopularity > 0 ? maxPopularity : 1
    for (const [itemId, s] of scores) s.score *= 1 + popularity(itemId) / norm
    return scores
  }

  get items(): number {
    return this.#items.size
  }
}
