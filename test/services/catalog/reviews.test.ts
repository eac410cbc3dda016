import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { createProduct } from '../../../services/catalog/product-changes.ts'
import { getProduct, type Product } from '../../../services/catalog/products.ts'
import { addReview, hasReviewed, listReviews } from '../../../services/catalog/reviews.ts'
import { categories } from '../../../services/catalog/schema.ts'
import { outbox } from '../../../shared/bus/schema.ts'
import type { Database } from '../../../shared/db/client.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/errors.ts'
import { tempDatabase, unique } from '../../helpers/broker.ts'

let database: Database
const db = () => database.db
let category: string

beforeAll(async () => {
  database = await tempDatabase()
  category = unique('cat')
  await db().insert(categories).values({ id: category, name: 'Kettles' })
})

afterAll(() => database.close())

const newProduct = () =>
  createProduct(db(), { name: unique('Kettle'), categoryId: category, priceMinor: 2500, stock: 9 })

const review = (p: Product, rating: number, userId = unique('shopper')) =>
  addReview(db(), { productId: p.id, userId, rating, title: 'Boils fast', body: 'Quiet too.' })

describe('reviews', () => {
  test("each review updates the product's rating average and count", async () => {
    const product = await newProduct()
    await review(product, 5)
    expect(await getProduct(db(), product.id)).toMatchObject({ ratingAvg: 5, ratingCount: 1 })
    await review(product, 2)
    await review(product, 4)
    const rated = await getProduct(db(), product.id)
    expect(rated.ratingCount).toBe(3)
    expect(rated.ratingAvg).toBeCloseTo(11 / 3, 10)
  })

  test('emits review.created keyed by product and product.rated keyed by shopper, with the review', async () => {
    const product = await newProduct()
    const shopper = unique('shopper')
    const written = await review(product, 4, shopper)
    const byProduct = await db().select().from(outbox).where(eq(outbox.key, product.id))
    const reviewed = byProduct.find((e) => e.type === 'review.created')
    expect(reviewed?.topic).toBe('review-events')
    expect(JSON.parse(reviewed?.data ?? '{}')).toEqual({
      reviewId: written.id,
      productId: product.id,
      userId: shopper,
      rating: 4,
      title: 'Boils fast',
      body: 'Quiet too.',
    })
    const [rated] = await db().select().from(outbox).where(eq(outbox.key, shopper))
    expect(rated).toMatchObject({ type: 'product.rated', topic: 'user-events' })
    expect(JSON.parse(rated?.data ?? '{}')).toEqual({
      userId: shopper,
      productId: product.id,
      rating: 4,
      metadata: { reviewId: written.id },
    })
  })

  test('a second review by the same shopper is a conflict and changes nothing', async () => {
    const product = await newProduct()
    const shopper = unique('shopper')
    await review(product, 5, shopper)
    const before = await db().$count(outbox)
    const again = await review(product, 1, shopper).catch((e: unknown) => e)
    expect(again).toBeInstanceOf(ConflictError)
    expect(await getProduct(db(), product.id)).toMatchObject({ ratingAvg: 5, ratingCount: 1 })
    expect(await db().$count(outbox)).toBe(before)
    expect(await hasReviewed(db(), product.id, shopper)).toBe(true)
  })

  test('the same shopper reviewing twice at once still gets exactly one review', async () => {
    const product = await newProduct()
    const shopper = unique('shopper')
    const results = await Promise.allSettled([
      review(product, 5, shopper),
      review(product, 3, shopper),
    ])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    expect(lost.reason).toBeInstanceOf(ConflictError)
    expect((await getProduct(db(), product.id)).ratingCount).toBe(1)
  })

  test('a rating outside 1-5 or not whole is a ValidationError; an unknown product is NotFound', async () => {
    const product = await newProduct()
    for (const rating of [0, 6, 2.5, Number.NaN]) {
      const error = await review(product, rating).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).errors.map((e) => e.field)).toEqual(['rating'])
    }
    const missing = await addReview(db(), { productId: 'prod-none', userId: 'u', rating: 3 }).catch(
      (e: unknown) => e,
    )
    expect(missing).toBeInstanceOf(NotFoundError)
    expect((await getProduct(db(), product.id)).ratingCount).toBe(0)
  })

  test('lists a product’s reviews newest first', async () => {
    const product = await newProduct()
    const first = await review(product, 3)
    const second = await review(product, 5)
    const listed = await listReviews(db(), product.id)
    expect(listed.map((r) => r.id)).toEqual([second.id, first.id])
    expect(listed[0]).toMatchObject({ rating: 5, title: 'Boils fast', productId: product.id })
    expect(await listReviews(db(), 'prod-none')).toEqual([])
  })
})
