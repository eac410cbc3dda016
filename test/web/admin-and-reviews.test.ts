import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { ensureAdmin } from '../../services/accounts/accounts.ts'
import { seedCatalog } from '../../services/catalog/demo-catalog.ts'
import { listCategories, listProducts } from '../../services/catalog/products.ts'
import { outbox } from '../../shared/bus/schema.ts'
import { readTopic, unique } from '../helpers/broker.ts'
import { TestBrowser } from '../helpers/browser.ts'
import {
  type SagaShop,
  shopper,
  startSagaShop,
  stockedProduct,
  TEST_CARDS,
  terminal,
} from '../helpers/saga.ts'

let shop: SagaShop

beforeAll(async () => {
  shop = await startSagaShop()
  await seedCatalog(shop.platform.database.db)
  await ensureAdmin(shop.platform.database.db, {
    email: 'boss@example.test',
    password: 'admin-password-123',
  })
})

afterAll(() => shop.close())

async function signedIn(email: string, password: string) {
  const browser = new TestBrowser(shop.app)
  await browser.get('/login')
  await browser.post('/login', { email, password })
  return browser
}

async function customer() {
  const browser = new TestBrowser(shop.app)
  await browser.get('/register')
  await browser.post('/register', {
    name: 'Cora',
    email: `${unique('c')}@example.test`,
    password: 'correct horse battery',
  })
  return browser
}

describe('admin product writes in the shop', () => {
  test('an admin creates, updates and deletes a product, and product-events gets each change keyed by product id', async () => {
    const admin = await signedIn('boss@example.test', 'admin-password-123')
    const [category] = await listCategories(shop.platform.database.db)
    const created = await admin.json('POST', '/api/products', {
      name: `Test lamp ${unique('l')}`,
      categoryId: category?.id,
      priceMinor: 4500,
      currency: 'EUR',
      stock: 7,
    })
    expect(created.status).toBe(201)
    const product = (await created.json()) as { id: string }
    expect(
      (await admin.json('PATCH', `/api/products/${product.id}`, { priceMinor: 3900 })).status,
    ).toBe(200)
    expect((await admin.json('DELETE', `/api/products/${product.id}`)).status).toBe(204)
    const records = await readTopic(
      shop.platform.bus,
      'product-events',
      (rs) => rs.filter((r) => r.key === product.id).length >= 3,
    )
    expect(records.filter((r) => r.key === product.id).map((r) => r.headers.ce_type)).toEqual([
      'product.created',
      'product.updated',
      'product.deleted',
    ])
  })

  test('a customer or a guest gets 403 and nothing changes', async () => {
    const [category] = await listCategories(shop.platform.database.db)
    const name = `Forbidden ${unique('f')}`
    for (const browser of [
      await customer(),
      await (async () => {
        const guest = new TestBrowser(shop.app)
        await guest.get('/')
        return guest
      })(),
    ]) {
      const res = await browser.json('POST', '/api/products', {
        name,
        categoryId: category?.id,
        priceMinor: 1,
        currency: 'EUR',
        stock: 1,
      })
      expect(res.status).toBe(403)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
    }
    expect((await listProducts(shop.platform.database.db, { q: name })).total).toBe(0)
  })
})

describe('reviews', () => {
  test('only a customer whose order completed may review the product; the review and rating are published', async () => {
    const product = await stockedProduct(shop, 5)
    const buyer = await shopper(shop)
    const declined = await shopper(shop)
    const stranger = await customer()
    await stranger.get(`/products/${product.slug}`)
    expect(stranger.lastHtml).not.toContain('Post review')
    const refused = await stranger.post(`/products/${product.slug}/reviews`, {
      rating: '5',
      title: 'Great',
      body: 'Never bought it',
    })
    expect(refused.status).toBe(403)

    const line = [{ productId: product.id, quantity: 1 }]
    const declinedOrder = await declined.place(TEST_CARDS.declined, line)
    const boughtOrder = await buyer.place(TEST_CARDS.ok, line)
    expect((await terminal(declined.get, declinedOrder)).status).toBe('cancelled')
    expect((await terminal(buyer.get, boughtOrder)).status).toBe('completed')
    // A cancelled order is not a purchase: no form, and posting is refused.
    await declined.browser.get(`/products/${product.slug}`)
    expect(declined.browser.lastHtml).not.toContain('Post review')
    const notBought = await declined.browser.post(`/products/${product.slug}/reviews`, {
      rating: '1',
      title: 'Never came',
      body: 'My card was declined',
    })
    expect(notBought.status).toBe(403)

    await buyer.browser.get(`/products/${product.slug}`)
    expect(buyer.browser.lastHtml).toContain('Post review')
    // The page shows what inventory can still sell: one of five went to the completed order.
    expect(buyer.browser.lastHtml).toContain('4 in stock')
    const posted = await buyer.browser.post(`/products/${product.slug}/reviews`, {
      rating: '4',
      title: 'Solid <b>buy</b>',
      body: 'Does the job',
    })
    expect(posted.status).toBe(303)
    expect(buyer.browser.lastHtml).toContain('Solid &lt;b&gt;buy&lt;/b&gt;')
    const events = await shop.platform.database.db
      .select()
      .from(outbox)
      .where(eq(outbox.type, 'review.created'))
    expect(events.some((e) => e.key === product.id && e.data.includes('Does the job'))).toBe(true)
    const ratings = await shop.platform.database.db
      .select()
      .from(outbox)
      .where(eq(outbox.type, 'product.rated'))
    expect(
      ratings.some(
        (e) => JSON.parse(e.data).productId === product.id && JSON.parse(e.data).rating === 4,
      ),
    ).toBe(true)
  })
})

describe('stock in the catalog', () => {
  test('a product whose last unit an order took shows out of stock in its category and search, with no add to cart', async () => {
    const product = await stockedProduct(shop, 1)
    const buyer = await shopper(shop)
    const browsing = await customer()
    await browsing.get(`/c/${product.categoryId}`)
    expect(browsing.lastHtml).toContain(`value="${product.id}"`)
    const orderId = await buyer.place(TEST_CARDS.ok, [{ productId: product.id, quantity: 1 }])
    expect((await terminal(buyer.get, orderId)).status).toBe('completed')
    for (const page of [
      `/c/${product.categoryId}`,
      `/search?q=${encodeURIComponent(product.name)}`,
    ]) {
      await browsing.get(page)
      expect(browsing.lastHtml, page).toContain('Out of stock')
      expect(browsing.lastHtml, page).not.toContain(`value="${product.id}"`)
    }
    await browsing.get(`/products/${product.slug}`)
    expect(browsing.lastHtml).toContain('Out of stock')
  })
})
