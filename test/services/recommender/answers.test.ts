// Answers are reused until something that changes them is applied: the shopper's own events and
// catalogue changes at once, others' events within a second.
import { expect, test } from 'bun:test'
import { Recommender } from '../../../services/recommender/recommender.ts'
import { createEvent } from '../../../shared/events/envelope.ts'
import { productCreated } from '../../helpers/events.ts'

const product = (productId: string) => productCreated(productId, { priceMinor: 100, stock: 1 })

const viewed = (userId: string, productId: string) =>
  createEvent('product.viewed', { userId, productId, metadata: {} }, { source: '/test' })

function shop() {
  const r = new Recommender()
  for (const id of ['x', 'y', 'z', 'w']) r.apply(product(id))
  // Others view x with y.
  for (let u = 0; u < 5; u++) {
    r.apply(viewed(`o${u}`, 'x'))
    r.apply(viewed(`o${u}`, 'y'))
  }
  return r
}

const ids = (r: Recommender, userId: string) =>
  r.recommend(userId, 'item-item', 3).items.map((i) => i.productId)

test('an answer is reused until the shopper acts, and their own event changes it at once', () => {
  const r = shop()
  const first = r.recommend('me', 'item-item', 3)
  expect(r.recommend('me', 'item-item', 3)).toBe(first)
  r.apply(viewed('me', 'x'))
  expect(ids(r, 'me')[0]).toBe('y')
})

test("others' events reach a kept answer within a second", async () => {
  const r = shop()
  r.apply(viewed('me', 'x'))
  expect(ids(r, 'me')).toEqual(['y'])
  // Now many view x with z: z should come up for me too, but not necessarily this instant.
  for (let u = 0; u < 10; u++) {
    r.apply(viewed(`p${u}`, 'x'))
    r.apply(viewed(`p${u}`, 'z'))
  }
  const deadline = Date.now() + 1500
  while (!ids(r, 'me').includes('z') && Date.now() < deadline) await Bun.sleep(50)
  expect(ids(r, 'me')).toContain('z')
})

test('a deleted product leaves every kept answer at once', () => {
  const r = shop()
  r.apply(viewed('me', 'x'))
  expect(ids(r, 'me')).toEqual(['y'])
  r.apply(
    createEvent(
      'product.deleted',
      { productId: 'y', slug: 'y', name: 'y', categoryId: 'c' },
      { source: '/test' },
    ),
  )
  expect(ids(r, 'me')).not.toContain('y')
})
