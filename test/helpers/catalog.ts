import type { ProductSort } from '../../services/catalog/inputs.ts'
import type { Product } from '../../services/catalog/products.ts'

/** Whether `a` may come right before `b` in a listing sorted by `sort`: the catalog's contract, restated. */
export function sortedBefore(sort: ProductSort, a: Product, b: Product): boolean {
  const score = (p: Product) => p.ratingAvg * p.ratingCount
  const name = (p: Product) => p.name.toLowerCase()
  switch (sort) {
    case 'popular':
      return score(a) > score(b) || (score(a) === score(b) && a.id < b.id)
    case 'price_asc':
      return a.priceMinor < b.priceMinor || (a.priceMinor === b.priceMinor && a.id < b.id)
    case 'price_desc':
      return a.priceMinor > b.priceMinor || (a.priceMinor === b.priceMinor && a.id > b.id)
    case 'newest':
      return a.createdAt > b.createdAt || (+a.createdAt === +b.createdAt && a.id > b.id)
    case 'rating':
      return (
        a.ratingAvg > b.ratingAvg ||
        (a.ratingAvg === b.ratingAvg &&
          (a.ratingCount > b.ratingCount || (a.ratingCount === b.ratingCount && a.id < b.id)))
      )
    case 'name':
      return name(a) < name(b) || (name(a) === name(b) && a.id < b.id)
  }
}
