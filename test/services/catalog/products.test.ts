import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { seedCatalog } from '../../../services/catalog/demo-catalog.ts'
import { PRODUCT_SORTS, type ProductSort } from '../../../services/catalog/inputs.ts'
import { createProduct } from '../../../services/catalog/product-changes.ts'
import {
  featuredProducts,
  getProduct,
  listCategories,
  listProducts,
  type Product,
  popularProducts,
  productsByIds,
} from '../../../services/catalog/products.ts'
import { categories, products } from '../../../services/catalog/schema.ts'
import type { Database } from '../../../shared/db/client.ts'
import { NotFoundError, ValidationError } from '../../../shared/errors.ts'
import { tempDatabase, unique } from '../../helpers/broker.ts'
import { sortedBefore } from '../../helpers/catalog.ts'

let database: Database
const db = () => database.db

beforeAll(async () => {
  database = await tempDatabase()
  await seedCatalog(db())
})

afterAll(() => database.close())

/** A category of the test's own, so products it adds change no other test's counts. */
async function ownCategory(): Promise<string> {
  const id = unique('cat')
  await db().insert(categories).values({ id, name: id, position: 99 })
  return id
}

const base = { description: '', priceMinor: 1000, stock: 5 }

describe('listProducts', () => {
  test('filters by category: every item is in it, with its category joined, and the total counts them all', async () => {
    const page = await listProducts(db(), { category: 'shoes', pageSize: 100 })
    const all = await db().$count(products, undefined)
    const shoes = (await db().select().from(products)).filter((p) => p.categoryId === 'shoes')
    expect(page.total).toBe(shoes.length)
    expect(page.total).toBeLessThan(all)
    expect(page.items).toHaveLength(shoes.length)
    for (const p of page.items) expect(p.category).toEqual({ id: 'shoes', name: 'Shoes' })
  })

  test('an unknown category matches nothing rather than failing', async () => {
    expect(await listProducts(db(), { category: 'no-such-aisle' })).toMatchObject({
      items: [],
      total: 0,
    })
  })

  test('search finds names containing every word, in any order and any case', async () => {
    const all = await db().select({ name: products.name }).from(products)
    const expected = all.filter((p) => /chelsea/i.test(p.name) && /boots/i.test(p.name)).length
    expect(expected).toBeGreaterThan(0)
    const page = await listProducts(db(), { q: 'chelsea boots', pageSize: 100 })
    expect(page.total).toBe(expected)
    for (const p of page.items) expect(p.name.toLowerCase()).toContain('chelsea boots')
    expect((await listProducts(db(), { q: '  BOOTS   Chelsea ' })).total).toBe(expected)
  })

  test('search folds case beyond ASCII, and treats % and _ as plain characters', async () => {
    const category = await ownCategory()
    const accented = await createProduct(db(), {
      ...base,
      name: 'Émile Ölkanne',
      categoryId: category,
    })
    const found = await listProducts(db(), { q: 'émile ÖLKANNE', category })
    expect(found.items.map((p) => p.id)).toEqual([accented.id])
    expect((await listProducts(db(), { q: '%' })).total).toBe(0)
    expect((await listProducts(db(), { q: '_' })).total).toBe(0)
  })

  test('every sort orders the whole listing, ties broken by id', async () => {
    for (const sort of PRODUCT_SORTS) {
      const { items } = await listProducts(db(), { category: 'books', sort, pageSize: 100 })
      expect(items.length).toBeGreaterThan(10)
      for (let i = 1; i < items.length; i++) {
        const [a, b] = [items[i - 1] as Product, items[i] as Product]
        if (!sortedBefore(sort, a, b)) throw new Error(`${sort}: ${a.id} sorted before ${b.id}`)
      }
    }
  })

  test('pages split the listing without overlap; a page past the end is empty with the same total', async () => {
    const query = { category: 'kitchen', sort: 'price_asc' as const, pageSize: 10 }
    const first = await listProducts(db(), { ...query, page: 1 })
    const pages = Math.ceil(first.total / 10)
    expect(first.total % 10).not.toBe(0)
    const seen: string[] = []
    for (let page = 1; page <= pages; page++) {
      const result = await listProducts(db(), { ...query, page })
      expect(result.items).toHaveLength(page < pages ? 10 : first.total % 10)
      seen.push(...result.items.map((p) => p.id))
    }
    expect(new Set(seen).size).toBe(first.total)
    expect(await listProducts(db(), { ...query, page: pages + 1 })).toMatchObject({
      items: [],
      total: first.total,
      page: pages + 1,
    })
  })

  test('a price range keeps prices within it, both ends included', async () => {
    const prices = (await db().select({ p: products.priceMinor }).from(products)).map((r) => r.p)
    const [low, high] = [Math.min(...prices), 5000]
    const page = await listProducts(db(), {
      minPrice: low,
      maxPrice: high,
      sort: 'price_asc',
      pageSize: 100,
    })
    expect(page.total).toBe(prices.filter((p) => p >= low && p <= high).length)
    expect(page.items[0]?.priceMinor).toBe(low)
    for (const p of page.items) expect(p.priceMinor).toBeWithin(low, high + 1)
  })

  test('refuses nonsense with a ValidationError naming each field', async () => {
    const error = await listProducts(db(), {
      page: 0,
      pageSize: 1000,
      sort: 'cheapest' as ProductSort,
      minPrice: 500,
      maxPrice: 100,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ValidationError)
    const fields = (error as ValidationError).errors.map((e) => e.field)
    expect(fields).toEqual(expect.arrayContaining(['page', 'pageSize', 'sort']))
    const range = await listProducts(db(), { minPrice: 500, maxPrice: 100 }).catch((e) => e)
    expect((range as ValidationError).errors.map((e) => e.field)).toEqual(['maxPrice'])
  })
})

describe('single products', () => {
  test('finds a product by id and by slug, with its category', async () => {
    const byId = await getProduct(db(), 'prod-0002')
    expect(byId.category.id).toBe(byId.categoryId)
    expect(await getProduct(db(), byId.slug)).toEqual(byId)
  })

  test('an id wins over another product whose slug looks like it', async () => {
    const impostor = await createProduct(db(), {
      ...base,
      name: 'Impostor',
      slug: 'prod-0003',
      categoryId: await ownCategory(),
    })
    expect((await getProduct(db(), 'prod-0003')).id).toBe('prod-0003')
    expect(impostor.slug).toBe('prod-0003')
  })

  test('an unknown product is a NotFoundError', async () => {
    await expect(getProduct(db(), 'prod-9999')).rejects.toBeInstanceOf(NotFoundError)
  })

  test('productsByIds keeps the order asked for, once each, leaving unknown ids out', async () => {
    const found = await productsByIds(db(), ['prod-0010', 'nope', 'prod-0004', 'prod-0010'])
    expect(found.map((p) => p.id)).toEqual(['prod-0010', 'prod-0004'])
  })
})

describe('shop windows', () => {
  test('categories come in menu order with their product counts', async () => {
    const list = await listCategories(db())
    const seeded = list.filter((c) => !c.id.startsWith('cat-'))
    expect(seeded.map((c) => c.position)).toEqual(
      [...seeded.map((c) => c.position)].sort((a, b) => a - b),
    )
    const shoes = list.find((c) => c.id === 'shoes')
    expect(shoes?.productCount).toBe((await listProducts(db(), { category: 'shoes' })).total)
  })

  test('featured products are all featured, most popular first', async () => {
    const featured = await featuredProducts(db(), 8)
    expect(featured).toHaveLength(8)
    for (const p of featured) expect(p.featured).toBe(true)
    for (let i = 1; i < featured.length; i++)
      expect(sortedBefore('popular', featured[i - 1] as Product, featured[i] as Product)).toBe(true)
  })

  test('popular products are the most rated, overall or within a category', async () => {
    const top = await popularProducts(db(), 5)
    const { items } = await listProducts(db(), { sort: 'popular', pageSize: 5 })
    expect(top.map((p) => p.id)).toEqual(items.map((p) => p.id))
    expect(top[0]?.ratingCount).toBeGreaterThan(0)
    const music = await popularProducts(db(), 3, { category: 'music' })
    expect(music.map((p) => p.categoryId)).toEqual(['music', 'music', 'music'])
  })
})
