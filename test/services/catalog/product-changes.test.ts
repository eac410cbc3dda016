import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import {
  createProduct,
  deleteProduct,
  updateProduct,
} from '../../../services/catalog/product-changes.ts'
import { findProduct, getProduct } from '../../../services/catalog/products.ts'
import { addReview } from '../../../services/catalog/reviews.ts'
import { categories, reviews } from '../../../services/catalog/schema.ts'
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
  await db()
    .insert(categories)
    .values([
      { id: category, name: 'Lamps' },
      { id: `${category}-2`, name: 'Rugs' },
    ])
})

afterAll(() => database.close())

const lamp = () => ({
  name: unique('Brass Lamp'),
  description: 'Warm light',
  categoryId: category,
  priceMinor: 4999,
  stock: 3,
  attributes: { material: 'brass' },
})

const eventsOf = (productId: string) =>
  db().select().from(outbox).where(eq(outbox.key, productId)).orderBy(outbox.seq)

async function failure(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => {
      throw new Error('expected a failure')
    },
    (e: unknown) => e,
  )
}

describe('createProduct', () => {
  test('stores the product with defaults and writes product.created to the outbox, keyed by its id', async () => {
    const input = lamp()
    const product = await createProduct(db(), { ...input, currency: 'usd' })
    expect(product).toMatchObject({ ...input, currency: 'USD', featured: false, ratingCount: 0 })
    expect(product.slug).toBe(input.name.toLowerCase().replace(/ /g, '-'))
    expect(product.imageHue).toBeWithin(0, 360)
    const events = await eventsOf(product.id)
    expect(events.map((e) => [e.type, e.topic, e.source])).toEqual([
      ['product.created', 'product-events', '/streamshop/catalog'],
    ])
    expect(JSON.parse(events[0]?.data ?? '{}')).toMatchObject({
      productId: product.id,
      name: input.name,
      priceMinor: 4999,
      currency: 'USD',
    })
  })

  test('a second product of the same name gets a slug of its own', async () => {
    const input = lamp()
    const a = await createProduct(db(), input)
    const b = await createProduct(db(), input)
    expect(b.slug).not.toBe(a.slug)
    expect(b.slug.startsWith(a.slug)).toBe(true)
  })

  test('an explicit slug already in use is a conflict, and nothing is written', async () => {
    const taken = await createProduct(db(), lamp())
    const before = await db().$count(outbox)
    const error = await failure(createProduct(db(), { ...lamp(), slug: taken.slug }))
    expect(error).toBeInstanceOf(ConflictError)
    expect(await db().$count(outbox)).toBe(before)
  })

  test('two admins racing for one slug: one wins, the other gets a conflict', async () => {
    const slug = unique('race').toLowerCase()
    const results = await Promise.allSettled([
      createProduct(db(), { ...lamp(), slug }),
      createProduct(db(), { ...lamp(), slug }),
    ])
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    expect(lost.reason).toBeInstanceOf(ConflictError)
  })

  test('bad fields and an unknown category are ValidationErrors naming them, and nothing is written', async () => {
    const before = await db().$count(outbox)
    const bad = await failure(
      createProduct(db(), {
        ...lamp(),
        priceMinor: 12.5,
        currency: 'EURO',
        stock: -1,
        price: 3,
      } as never),
    )
    expect(bad).toBeInstanceOf(ValidationError)
    expect((bad as ValidationError).errors.map((e) => e.field).sort()).toEqual([
      'currency',
      'price',
      'priceMinor',
      'stock',
    ])
    const orphan = await failure(createProduct(db(), { ...lamp(), categoryId: 'no-such-aisle' }))
    expect((orphan as ValidationError).errors.map((e) => e.field)).toEqual(['categoryId'])
    expect(await db().$count(outbox)).toBe(before)
  })
})

describe('updateProduct', () => {
  test('changes the fields given and emits only those that really changed', async () => {
    const product = await createProduct(db(), lamp())
    const updated = await updateProduct(db(), product.slug, {
      priceMinor: 3999,
      stock: 3,
      categoryId: `${category}-2`,
      name: 'Rattan Rug',
    })
    expect(updated).toMatchObject({
      id: product.id,
      slug: product.slug,
      priceMinor: 3999,
      name: 'Rattan Rug',
      category: { id: `${category}-2`, name: 'Rugs' },
    })
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(product.updatedAt.getTime())
    const [, event] = await eventsOf(product.id)
    expect(event?.type).toBe('product.updated')
    expect(JSON.parse(event?.data ?? '{}').changes).toEqual({
      priceMinor: 3999,
      categoryId: `${category}-2`,
      name: 'Rattan Rug',
    })
  })

  test('a change to nothing writes nothing and emits nothing', async () => {
    const product = await createProduct(db(), lamp())
    const same = await updateProduct(db(), product.id, {
      priceMinor: product.priceMinor,
      attributes: { material: 'brass' },
    })
    expect(same).toEqual(product)
    expect(await eventsOf(product.id)).toHaveLength(1)
  })

  test('an unknown product is a NotFoundError; an empty change or a taken slug is refused', async () => {
    expect(await failure(updateProduct(db(), 'prod-none', { stock: 1 }))).toBeInstanceOf(
      NotFoundError,
    )
    const product = await createProduct(db(), lamp())
    expect(await failure(updateProduct(db(), product.id, {}))).toBeInstanceOf(ValidationError)
    const other = await createProduct(db(), lamp())
    expect(await failure(updateProduct(db(), product.id, { slug: other.slug }))).toBeInstanceOf(
      ConflictError,
    )
    expect(await eventsOf(product.id)).toHaveLength(1)
  })
})

describe('deleteProduct', () => {
  test('removes the product and its reviews and emits product.deleted', async () => {
    const product = await createProduct(db(), lamp())
    await addReview(db(), { productId: product.id, userId: unique('u'), rating: 4 })
    await deleteProduct(db(), product.slug)
    expect(await findProduct(db(), product.id)).toBeUndefined()
    expect(await db().$count(reviews, eq(reviews.productId, product.id))).toBe(0)
    const events = await eventsOf(product.id)
    expect(events.map((e) => e.type)).toEqual([
      'product.created',
      'review.created',
      'product.deleted',
    ])
    expect(JSON.parse(events[2]?.data ?? '{}')).toEqual({
      productId: product.id,
      slug: product.slug,
      name: product.name,
      categoryId: category,
    })
    expect(await failure(getProduct(db(), product.id))).toBeInstanceOf(NotFoundError)
    expect(await failure(deleteProduct(db(), product.id))).toBeInstanceOf(NotFoundError)
  })
})
