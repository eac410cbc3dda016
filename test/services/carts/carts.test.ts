import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq, like } from 'drizzle-orm'
import { users } from '../../../services/accounts/schema.ts'
import { addToCart, consumers as cartConsumers } from '../../../services/carts/index.ts'
import { cartItems } from '../../../services/carts/schema.ts'
import { deleteProduct } from '../../../services/catalog/product-changes.ts'
import { categories, products } from '../../../services/catalog/schema.ts'
import { outbox } from '../../../shared/bus/schema.ts'
import { eventually, unique } from '../../helpers/broker.ts'
import { TestBrowser } from '../../helpers/browser.ts'
import { startTestShop, type TestShop } from '../../helpers/shop.ts'

let shop: TestShop
const category = unique('cat')
const plenty = unique('plenty')
const scarce = unique('scarce')

beforeAll(async () => {
  shop = await startTestShop()
  const { db } = shop.platform.database
  const now = new Date()
  await db
    .insert(categories)
    .values({ id: category, name: 'Test things', description: '', position: 0 })
  const product = (id: string, stock: number, priceMinor: number) => ({
    id,
    slug: id,
    name: `Thing ${id.slice(0, 12)}`,
    nameSearch: `thing ${id}`,
    description: '',
    categoryId: category,
    priceMinor,
    currency: 'EUR',
    stock,
    attributes: {},
    imageHue: 120,
    featured: false,
    createdAt: now,
    updatedAt: now,
  })
  await db.insert(products).values([product(plenty, 50, 1250), product(scarce, 3, 999)])
})

afterAll(() => shop.close())

const htmx = { 'hx-request': 'true' }

async function quantityOf(shopperId: string, productId: string) {
  const [line] = await shop.platform.database.db
    .select()
    .from(cartItems)
    .where(and(eq(cartItems.shopperId, shopperId), eq(cartItems.productId, productId)))
  return line?.quantity
}

function shopperOf(browser: TestBrowser): string {
  return decodeURIComponent(browser.cookies.get('ss_guest') ?? '').split('.')[0] ?? ''
}

describe('cart', () => {
  test('adds items with htmx fragments that update the header count out of band', async () => {
    const browser = new TestBrowser(shop.app)
    await browser.get('/cart')
    const first = await browser.post(
      '/cart/items',
      { productId: plenty, quantity: '2' },
      { headers: htmx },
    )
    expect(first.status).toBe(200)
    const html = await first.text()
    expect(html).toContain('Added to your cart')
    expect(html).toMatch(/id="cart-count"[^>]*hx-swap-oob="true"[^>]*>2</)
    await browser.post('/cart/items', { productId: scarce }, { headers: htmx })
    const page = await (await browser.get('/cart')).text()
    expect(page).toContain('€25.00')
    expect(page).toContain('€9.99')
    expect(page).toContain('Total: <strong>€34.99</strong>')
    // Every page's header counts the cart.
    expect(await (await browser.get('/')).text()).toMatch(/id="cart-count"[^>]*>3</)
    const events = await shop.platform.database.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.key, shopperOf(browser)), eq(outbox.topic, 'cart-events')))
    expect(events.map((e) => e.type)).toEqual(['cart.item_added', 'cart.item_added'])
  })

  test('a bad quantity shows the error on its line and changes nothing', async () => {
    const browser = new TestBrowser(shop.app)
    await browser.get('/cart')
    await browser.post('/cart/items', { productId: scarce, quantity: '2' })
    const shopper = shopperOf(browser)
    for (const [quantity, message] of [
      ['0', 'at least 1'],
      ['-3', 'at least 1'],
      ['lots', 'whole number'],
      ['4', 'Only 3 can be ordered'],
    ]) {
      await browser.get('/cart')
      const res = await browser.post(
        `/cart/items/${scarce}`,
        { quantity: quantity as string },
        { headers: htmx },
      )
      expect(res.status).toBe(422)
      const html = await res.text()
      expect(html).toContain(`id="line-${scarce}"`)
      expect(html).toContain(message as string)
      expect(await quantityOf(shopper, scarce)).toBe(2)
    }
    const ok = await browser.post(`/cart/items/${scarce}`, { quantity: '3' }, { headers: htmx })
    expect(ok.status).toBe(200)
    expect(await quantityOf(shopper, scarce)).toBe(3)
  })

  test('works without JavaScript: forms redirect back to the cart', async () => {
    const browser = new TestBrowser(shop.app)
    await browser.get('/cart')
    const added = await browser.post('/cart/items', { productId: plenty })
    expect(added.status).toBe(303)
    expect(added.headers.get('location')).toBe('/cart')
    expect(browser.lastHtml).toContain(`id="line-${plenty}"`)
    const removed = await browser.post(`/cart/items/${plenty}/delete`, {})
    expect(removed.status).toBe(303)
    expect(browser.lastHtml).toContain('Your cart is empty')
  })

  test("the guest's cart follows them into their new account", async () => {
    const browser = new TestBrowser(shop.app)
    await browser.get('/cart')
    await browser.post('/cart/items', { productId: plenty, quantity: '2' })
    await browser.get('/register')
    const email = `${unique('g')}@example.test`
    await browser.post('/register', { name: 'Grace', email, password: 'correct horse battery' })
    const page = await (await browser.get('/cart')).text()
    expect(page).toContain(`id="line-${plenty}"`)
    expect(page).toMatch(/id="cart-count"[^>]*>2</)
    // The move is on the log: the guest's line leaves, the account's line gains it.
    const merged = await shop.platform.database.db
      .select()
      .from(outbox)
      .where(and(like(outbox.data, '%merged_at_login%'), like(outbox.data, `%${plenty}%`)))
    const [user] = await shop.platform.database.db
      .select()
      .from(users)
      .where(eq(users.email, email))
    expect(merged.map((e) => [e.type, e.key, JSON.parse(e.data).quantity])).toEqual([
      ['cart.item_removed', expect.stringMatching(/^g_/), 2],
      ['cart.item_added', user?.id, 2],
    ])
  })

  test('a product the catalog deletes leaves every cart, with the cart events', async () => {
    const doomed = unique('doomed')
    const { db } = shop.platform.database
    const [one, two] = [unique('shopper'), unique('shopper')]
    await db.insert(products).values({ ...(await productRow(plenty)), id: doomed, slug: doomed })
    await addToCart(db, one, doomed, '1')
    await addToCart(db, two, doomed, '3')
    await addToCart(db, two, plenty, '1')
    // Its own group id, so no other shop on the test broker shares its partitions.
    await shop.platform.consumers.start(
      cartConsumers.map((c) => ({ ...c, group: unique('carts') })),
    )
    await deleteProduct(db, doomed)
    await eventually(async () => (await quantityOf(two, doomed)) === undefined, 30_000, 'removal')
    expect(await quantityOf(one, doomed)).toBeUndefined()
    expect(await quantityOf(two, plenty)).toBe(1)
    const removed = await db
      .select()
      .from(outbox)
      .where(and(eq(outbox.type, 'cart.item_removed'), like(outbox.data, `%${doomed}%`)))
    expect(removed.map((e) => [e.key, JSON.parse(e.data).quantity]).sort()).toEqual(
      [
        [one, 1],
        [two, 3],
      ].sort(),
    )
    expect(removed.every((e) => JSON.parse(e.data).metadata.reason === 'product_deleted')).toBe(
      true,
    )
  })
})

async function productRow(id: string) {
  const [row] = await shop.platform.database.db.select().from(products).where(eq(products.id, id))
  if (!row) throw new Error(`no product ${id}`)
  return row
}
