// A shopper's whole journey in a real browser against `bun web/main.ts` on the run's broker, then
// the events read back from the broker.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Page } from 'playwright-core'
import type { ConsumedRecord } from '../../shared/bus/types.ts'
import { kafkaBus, unique } from '../helpers/broker.ts'
import { type BrowserShop, startBrowserShop } from '../helpers/e2e.ts'
import { readTopicSince } from '../helpers/shop.ts'

let shop: BrowserShop
let base = ''

beforeAll(async () => {
  shop = await startBrowserShop()
  base = shop.base
}, 120_000)

afterAll(() => shop?.close())

const shot = (page: Page, name: string) => shop.shot(page, name)

test('a guest browses, searches, buys two things, registers, keeps the cart and checks out; the broker has the journey', async () => {
  // Kafka timestamps are set when the shop accepts an event, so nothing of the journey is older.
  const started = Date.now() - 1000
  const context = await shop.browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })

  await page.goto(base)
  await shot(page, 'home')
  await page.locator('.categories a').first().click()
  await page.waitForURL(/\/c\//)
  const firstName = (await page.locator('.product-card h3 a').first().textContent()) ?? ''
  const word = firstName.split(' ')[0] ?? ''

  // Live search suggests as we type; Enter submits the form for the full results.
  await page.locator('input[name="q"]').fill(word)
  await page.locator('#suggestions a').first().waitFor()
  await page.locator('input[name="q"]').press('Enter')
  await page.waitForURL(/\/search\?q=/)

  // Products in stock only: a sold-out product has no Add to cart button.
  const inStock = '.product-card:has(.add-to-cart) h3 a'
  await page.locator(inStock).first().click()
  await page.waitForURL(/\/products\//)
  await shot(page, 'product')
  await page.locator('.product-page .add-to-cart button').click()
  await page.getByText('Added to your cart').first().waitFor()
  await expect(page.locator('#cart-count').textContent()).resolves.toBe('1')

  const firstProduct = page.url()
  await page.locator(`#also-bought ${inStock}`).first().click()
  await page.waitForURL((url) => url.pathname.startsWith('/products/') && url.href !== firstProduct)
  await page.locator('.product-page .add-to-cart button').click()
  await page.getByText('Added to your cart').first().waitFor()
  await expect(page.locator('#cart-count').textContent()).resolves.toBe('2')

  await page.goto(`${base}/cart`)
  const firstLine = page.locator('.cart-line').first()
  await firstLine.locator('input[name="quantity"]').fill('2')
  await firstLine.getByRole('button', { name: 'Update' }).click()
  // htmx swaps the line and, out of band, the header count.
  await page.waitForFunction(() => document.querySelector('#cart-count')?.textContent === '3')
  await shot(page, 'cart')
  const guestId =
    decodeURIComponent(
      (await context.cookies()).find((c) => c.name === 'ss_guest')?.value ?? '',
    ).split('.')[0] ?? ''

  await page.getByRole('link', { name: 'Register' }).click()
  const email = `${unique('e2e')}@example.test`
  await page.getByLabel('Name').fill('Edith Clarke')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel(/Password/).fill('correct horse battery')
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByText('Welcome back, Edith Clarke').waitFor()

  await page.goto(`${base}/cart`)
  await expect(page.locator('.cart-line').count()).resolves.toBe(2)
  await page.getByRole('link', { name: 'Checkout' }).click()
  await page.getByLabel('Full name').fill('Edith Clarke')
  await page.getByLabel('Street and number').fill('1 Grid Street')
  await page.getByLabel('City').fill('Austin')
  await page.getByLabel('Postal code').fill('78701')
  await page.getByLabel('Country').fill('United States')
  await page.getByLabel(/Card number/).fill('4242 4242 4242 4242')
  await page.getByLabel('Expiry (MM/YY)').fill('12/39')
  await page.getByLabel('CVC').fill('123')
  await shot(page, 'checkout')
  await page.getByRole('button', { name: 'Place order' }).click()
  await page.getByText('Thank you!').waitFor()
  // The order page follows the saga over its stream, without a reload, to the end.
  await page.locator('#order-progress[data-status="completed"]').waitFor({ timeout: 30_000 })
  await expect(page.locator('.order-status').textContent()).resolves.toBe('completed')
  await expect(
    page.locator('.order-steps li[data-step="capture_payment"][data-outcome="succeeded"]').count(),
  ).resolves.toBe(1)
  expect(errors).toEqual([])
  await context.close()

  // The journey on the broker: the guest's steps keyed by the guest id, the account's by the user id.
  const bus = kafkaBus()
  try {
    const login = (r: ConsumedRecord) =>
      r.headers.ce_type === 'user.logged_in' && r.value.includes(guestId)
    const users = await readTopicSince(
      bus,
      'user-events',
      started,
      (rs) =>
        rs.some(login) &&
        rs.filter(
          (r) =>
            r.headers.ce_type === 'product.purchased' &&
            rs.some((l) => login(l) && l.key === r.key),
        ).length >= 2,
      60_000,
    )
    const userId = users.find(login)?.key ?? ''
    const carts = await readTopicSince(
      bus,
      'cart-events',
      started,
      // The guest's three cart steps, then the merge at registration: the guest's lines leave
      // (two removals) and join the account's cart (two additions).
      (rs) =>
        rs.filter((r) => r.key === guestId).length >= 5 &&
        rs.filter((r) => r.key === userId).length >= 2,
      60_000,
    )
    const journey = [...users, ...carts]
      .filter((r) => r.key === guestId || r.key === userId)
      .sort((a, b) => ((a.headers.ce_id ?? '') < (b.headers.ce_id ?? '') ? -1 : 1))
      .map((r) => `${r.headers.ce_type}:${r.key === guestId ? 'guest' : 'user'}`)
    expect(journey).toEqual([
      'product.searched:guest',
      'product.viewed:guest',
      'cart.item_added:guest',
      'product.viewed:guest',
      'cart.item_added:guest',
      'cart.updated:guest',
      'user.registered:user',
      'cart.item_removed:guest',
      'cart.item_removed:guest',
      'cart.item_added:user',
      'cart.item_added:user',
      'user.logged_in:user',
      'product.purchased:user',
      'product.purchased:user',
    ])
  } finally {
    await bus.close()
  }
}, 180_000)

test("viewing a product brings what others bought with it into the home panel, and the product page's also-bought moves, without a reload", async () => {
  const listed = await fetch(`${base}/api/products?pageSize=40`)
  const products = ((await listed.json()) as { data: { id: string; slug: string; name: string }[] })
    .data
  // Products the journey above does not touch.
  const [x, y] = products.slice(30, 32) as [(typeof products)[0], (typeof products)[0]]
  const others = Array.from({ length: 4 }, () => unique('co-viewer'))
  const posted = await fetch(`${base}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      events: others.flatMap((userId) => [
        { type: 'product_view', userId, productId: x.id },
        { type: 'add_to_cart', userId, productId: y.id },
      ]),
    }),
  })
  expect(posted.status).toBe(202)

  const context = await shop.browser.newContext({ viewport: { width: 1280, height: 900 } })
  const home = await context.newPage()
  await home.goto(base)
  // In front: a hidden page's stream is paused (htmx's SSE extension), and must not be here.
  await home.bringToFront()
  await home.locator('#recommendations h2').waitFor()
  expect(await home.evaluate(() => document.visibilityState)).toBe('visible')
  // The same shopper (the context's cookies) looks at x, while the home page stays in front: a
  // background tab pauses its stream (htmx's SSE extension) and catches up when shown again.
  expect((await context.request.get(`${base}/products/${x.slug}`)).status()).toBe(200)
  // y may show up earlier as merely popular (others carted it): wait for it *because of* x.
  const card = home
    .locator('#recommendations .product-card', {
      has: home.locator(`a[href^="/products/${y.slug}?rec="]`),
      hasText: `viewed ${x.name}`,
    })
    .first()
  await card.waitFor({ timeout: 30_000 })
  await shot(home, 'home-live-recommendations')

  // The product page's "Customers also bought" moves too, when others start buying z with x.
  const tab = await context.newPage()
  await tab.goto(`${base}/products/${x.slug}`)
  await tab.bringToFront()
  await tab.locator('#also-bought h2').waitFor()
  const z = products[32] as (typeof products)[0]
  const buyers = Array.from({ length: 6 }, () => unique('co-buyer'))
  const more = await fetch(`${base}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      events: buyers.flatMap((userId) => [
        { type: 'product_view', userId, productId: x.id },
        { type: 'purchase', userId, productId: z.id },
      ]),
    }),
  })
  expect(more.status).toBe(202)
  // Bought with x now, not just popular in its category.
  await tab
    .locator('#also-bought .product-card', {
      has: tab.locator(`a[href="/products/${z.slug}"]`),
      hasText: `often bought with ${x.name}`,
    })
    .first()
    .waitFor({ timeout: 30_000 })
  await shot(tab, 'product-live-also-bought')
  await context.close()
})
