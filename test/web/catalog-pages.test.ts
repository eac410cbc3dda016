import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { seedCatalog } from '../../services/catalog/demo-catalog.ts'
import { createProduct } from '../../services/catalog/product-changes.ts'
import { listCategories, listProducts } from '../../services/catalog/products.ts'
import { outbox } from '../../shared/bus/schema.ts'
import { TestBrowser } from '../helpers/browser.ts'
import { startTestShop, type TestShop } from '../helpers/shop.ts'

let shop: TestShop

beforeAll(async () => {
  shop = await startTestShop()
  await seedCatalog(shop.platform.database.db)
})

afterAll(() => shop.close())

const guestOf = (b: TestBrowser) =>
  decodeURIComponent(b.cookies.get('ss_guest') ?? '').split('.')[0] ?? ''

async function eventsOf(key: string) {
  return shop.platform.database.db.select().from(outbox).where(eq(outbox.key, key))
}

describe('catalog pages', () => {
  test('home shows categories, featured and popular products, under a CSP without inline scripts', async () => {
    const browser = new TestBrowser(shop.app)
    const res = await browser.get('/')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('Featured')
    expect(html).toContain('Recommended for you')
    expect((html.match(/class="product-card"/g) ?? []).length).toBeGreaterThanOrEqual(16)
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(html.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toBeNull()
    expect(html).not.toMatch(/\sstyle="/)
  })

  test('a category lists its products with paging and sorting, and records the listing pseudonymously', async () => {
    const [category] = await listCategories(shop.platform.database.db)
    const browser = new TestBrowser(shop.app)
    const page2 = await browser.get(`/c/${category?.id}?sort=price_asc&page=2`)
    expect(page2.status).toBe(200)
    const html = await page2.text()
    const expected = await listProducts(shop.platform.database.db, {
      category: category?.id,
      sort: 'price_asc',
      page: 2,
      pageSize: 24,
    })
    expect(html).toContain(expected.items[0]?.name.replaceAll('&', '&amp;') ?? 'missing')
    expect(html).toContain('Page 2 of')
    const listings = await shop.platform.database.db
      .select()
      .from(outbox)
      .where(eq(outbox.type, 'product_list.viewed'))
    const mine = listings.filter((e) => JSON.parse(e.data).metadata.category === category?.id)
    expect(mine.length).toBeGreaterThan(0)
    expect(mine.some((e) => e.data.includes(guestOf(browser)))).toBe(false)
  })

  test('search finds products, suggests as you type, and records the search', async () => {
    const [product] = (await listProducts(shop.platform.database.db, { pageSize: 1 })).items
    const word = product?.name.split(' ')[0] ?? ''
    const browser = new TestBrowser(shop.app)
    const res = await browser.get(`/search?q=${encodeURIComponent(word)}`)
    expect(await res.text()).toContain('products')
    const suggest = await shop.app.request(`/search/suggest?q=${encodeURIComponent(word)}`, {
      headers: { 'hx-request': 'true' },
    })
    expect(await suggest.text()).toContain('/products/')
    const searches = await eventsOf(guestOf(browser))
    expect(searches.map((e) => [e.type, JSON.parse(e.data).query])).toEqual([
      ['product.searched', word],
    ])
  })

  test('a product page shows details and reviews and records the view, keyed by the shopper', async () => {
    const [product] = (
      await listProducts(shop.platform.database.db, { pageSize: 1, sort: 'rating' })
    ).items
    const browser = new TestBrowser(shop.app)
    const res = await browser.get(`/products/${product?.slug}`)
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('Customers also bought')
    expect(html).toContain('Add to cart')
    const events = await eventsOf(guestOf(browser))
    expect(events.map((e) => [e.type, JSON.parse(e.data).productId])).toEqual([
      ['product.viewed', product?.id],
    ])
  })

  test('an unknown product gets the 404 page', async () => {
    const res = await new TestBrowser(shop.app).get('/products/no-such-thing')
    expect(res.status).toBe(404)
    expect(await res.text()).toContain('Not found')
  })

  test('a product named like a script is shown as text', async () => {
    const [category] = await listCategories(shop.platform.database.db)
    const product = await createProduct(shop.platform.database.db, {
      name: '<script>alert(1)</script>',
      description: '<img src=x onerror=alert(2)>',
      categoryId: category?.id ?? '',
      priceMinor: 100,
      currency: 'EUR',
      stock: 5,
    })
    const html = await (await new TestBrowser(shop.app).get(`/products/${product.slug}`)).text()
    expect(html).not.toContain('<script>alert(1)</script>')
    expect(html).not.toContain('<img src=x')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
  })
})
