import { afterAll, beforeAll, expect, test } from 'bun:test'
import fc from 'fast-check'
import { seedCatalog } from '../../../services/catalog/demo-catalog.ts'
import { PRODUCT_SORTS, type ProductListQuery } from '../../../services/catalog/inputs.ts'
import { listProducts, type Product } from '../../../services/catalog/products.ts'
import { products } from '../../../services/catalog/schema.ts'
import type { Database } from '../../../shared/db/client.ts'
import { tempDatabase } from '../../helpers/broker.ts'
import { sortedBefore } from '../../helpers/catalog.ts'

let database: Database
let all: (typeof products.$inferSelect)[]

beforeAll(async () => {
  database = await tempDatabase()
  await seedCatalog(database.db)
  all = await database.db.select().from(products)
})

afterAll(() => database.close())

/** The ids a query should match, worked out without SQL. */
function expectedIds(q: ProductListQuery): Set<string> {
  const words = (q.q ?? '').toLowerCase().split(/\s+/).filter(Boolean)
  return new Set(
    all
      .filter(
        (p) =>
          (q.category === undefined || p.categoryId === q.category) &&
          words.every((w) => p.name.toLowerCase().includes(w)) &&
          (q.minPrice === undefined || p.priceMinor >= Number(q.minPrice)) &&
          (q.maxPrice === undefined || p.priceMinor <= Number(q.maxPrice)),
      )
      .map((p) => p.id),
  )
}

const price = fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined })
const query = fc
  .record({
    category: fc.constantFrom(undefined, 'shoes', 'books', 'music', 'office', 'nowhere'),
    q: fc.constantFrom(undefined, 'the', 'lamp', 'a', 'pro', 'e o', 'CLASSIC'),
    sort: fc.constantFrom(...PRODUCT_SORTS),
    pageSize: fc.integer({ min: 5, max: 60 }),
    minPrice: price,
    maxPrice: price,
  })
  .filter((q) => q.minPrice === undefined || q.maxPrice === undefined || q.minPrice <= q.maxPrice)

test('walking every page returns each matching product exactly once, in order, and the total agrees', async () => {
  await fc.assert(
    fc.asyncProperty(query, async (q) => {
      const seen: Product[] = []
      let total = -1
      for (let page = 1; ; page++) {
        const result = await listProducts(database.db, { ...q, page })
        if (total === -1) total = result.total
        expect(result.total).toBe(total)
        expect(result.items.length).toBeLessThanOrEqual(q.pageSize)
        if (result.items.length < q.pageSize) {
          seen.push(...result.items)
          break
        }
        seen.push(...result.items)
      }
      const ids = seen.map((p) => p.id)
      expect(new Set(ids).size).toBe(ids.length)
      expect(ids.length).toBe(total)
      expect(new Set(ids)).toEqual(expectedIds(q))
      for (let i = 1; i < seen.length; i++)
        expect(sortedBefore(q.sort, seen[i - 1] as Product, seen[i] as Product)).toBe(true)
    }),
    { numRuns: 60 },
  )
})
