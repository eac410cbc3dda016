// Checkout in a real browser against `bun web/main.ts` with the whole order saga: the order page
// follows the steps as they happen, without a reload, to completed — or to cancelled with the
// decline shown for the declining test card — and the header's notification count moves on its own.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { BrowserContext, Page } from 'playwright-core'
import { unique } from '../helpers/broker.ts'
import { type BrowserShop, startBrowserShop } from '../helpers/e2e.ts'

let shop: BrowserShop

beforeAll(async () => {
  // A provider and a carrier slow enough that each step shows on the page before the next.
  shop = await startBrowserShop({ PAYMENTS_LATENCY_MS: '700', SHIPPING_LATENCY_MS: '700' })
}, 120_000)

afterAll(() => shop?.close())

/**
 * Marks the document when it loads and records every status the order page's progress shows: a
 * reload would lose the mark, and the record is what a shopper watching the page saw.
 */
const WATCH_PAGE = () => {
  const w = window as unknown as { pageMark: number; statuses: string[] }
  w.pageMark = Math.random()
  w.statuses = []
  const record = () => {
    const status = document.querySelector('#order-progress')?.getAttribute('data-status')
    if (status && w.statuses[w.statuses.length - 1] !== status) w.statuses.push(status)
  }
  new MutationObserver(record).observe(document, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ['data-status'],
  })
  document.addEventListener('DOMContentLoaded', record)
}

async function signedInShopper(context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${shop.base}/register`)
  await page.getByLabel('Name').fill('Grace Hopper')
  await page.getByLabel('Email').fill(`${unique('checkout')}@example.test`)
  await page.getByLabel(/Password/).fill('correct horse battery')
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByText('Welcome back, Grace Hopper').waitFor()
  return page
}

/** Puts a product in stock in the cart and checks out with this card; the order page is open. */
async function checkout(page: Page, cardNumber: string): Promise<void> {
  const listed = await fetch(`${shop.base}/api/products?pageSize=40`)
  const { data } = (await listed.json()) as { data: { slug: string; stock: number }[] }
  const product = data.find((p) => p.stock > 5)
  if (!product) throw new Error('the demo catalog has no product in stock')
  await page.goto(`${shop.base}/products/${product.slug}`)
  await page.locator('.product-page .add-to-cart button').click()
  await page.getByText('Added to your cart').first().waitFor()
  await page.goto(`${shop.base}/checkout`)
  await page.getByLabel('Full name').fill('Grace Hopper')
  await page.getByLabel('Street and number').fill('1 Harvard Way')
  await page.getByLabel('City').fill('Cambridge')
  await page.getByLabel('Postal code').fill('02138')
  await page.getByLabel('Country').fill('United States')
  await page.getByLabel(/Card number/).fill(cardNumber)
  await page.getByLabel('Expiry (MM/YY)').fill('12/39')
  await page.getByLabel('CVC').fill('123')
  await page.getByRole('button', { name: 'Place order' }).click()
  await page.getByText('Thank you!').waitFor()
}

const unread = (page: Page) => page.locator('#notifications-link .cart-count').textContent()
const seen = (page: Page) =>
  page.evaluate(() => (window as unknown as { statuses: string[] }).statuses)
const mark = (page: Page) =>
  page.evaluate(() => (window as unknown as { pageMark: number }).pageMark)

test('the order page shows each step live and ends completed; the notification arrives without a reload', async () => {
  const context = await shop.browser.newContext({ viewport: { width: 1280, height: 900 } })
  await context.addInitScript(WATCH_PAGE)
  const page = await signedInShopper(context)
  await expect(unread(page)).resolves.toBe('0')
  await checkout(page, '4242 4242 4242 4242')
  const loaded = await mark(page)
  await page.locator('#order-progress[data-status="completed"]').waitFor({ timeout: 30_000 })
  await shop.shot(page, 'order-completed')
  expect(await mark(page)).toBe(loaded)
  const statuses = await seen(page)
  // What the page went through after it loaded: at least two steps before the end, in order.
  expect(statuses.at(-1)).toBe('completed')
  const order = [
    'placed',
    'payment_authorizing',
    'inventory_reserving',
    'shipment_creating',
    'payment_capturing',
    'completed',
  ]
  expect(statuses.length).toBeGreaterThanOrEqual(3)
  expect(statuses.every((s) => order.includes(s))).toBe(true)
  expect(statuses.map((s) => order.indexOf(s))).toEqual(
    [...statuses.map((s) => order.indexOf(s))].sort((a, b) => a - b),
  )
  for (const step of ['authorize_payment', 'reserve_inventory', 'create_shipment'])
    await expect(
      page.locator(`.order-steps li[data-step="${step}"][data-outcome="succeeded"]`).count(),
    ).resolves.toBe(1)
  // The order confirmation reaches the header over the page's stream.
  await page.waitForFunction(
    () => document.querySelector('#notifications-link .cart-count')?.textContent === '1',
    undefined,
    { timeout: 15_000 },
  )
  expect(await mark(page)).toBe(loaded)
  // Each update took the place of what it updates: one of each, not one inside another.
  const copies = await page.evaluate(() =>
    ['#order-progress', '#notifications-link'].map((s) => document.querySelectorAll(s).length),
  )
  expect(copies).toEqual([1, 1])
  await page.getByRole('link', { name: /Notifications/ }).click()
  await page
    .getByText(/confirmed/i)
    .first()
    .waitFor()
  await context.close()
})

test('the declining test card ends the order cancelled with the decline shown', async () => {
  const context = await shop.browser.newContext({ viewport: { width: 1280, height: 900 } })
  await context.addInitScript(WATCH_PAGE)
  const page = await signedInShopper(context)
  await checkout(page, '4000 0000 0000 0002')
  const loaded = await mark(page)
  await page.locator('#order-progress[data-status="cancelled"]').waitFor({ timeout: 30_000 })
  await shop.shot(page, 'order-declined')
  expect(await mark(page)).toBe(loaded)
  expect((await seen(page)).at(-1)).toBe('cancelled')
  await expect(page.locator('.order-reason').getAttribute('data-reason')).resolves.toBe(
    'card_declined',
  )
  await expect(page.locator('.order-reason').textContent()).resolves.toContain(
    'Your card was declined',
  )
  await expect(page.locator('.order-status').textContent()).resolves.toBe('cancelled')
  // Nothing was reserved or shipped for it.
  await expect(
    page.locator('.order-steps li[data-step="reserve_inventory"]').count(),
  ).resolves.toBe(0)
  await page.waitForFunction(
    () => document.querySelector('#notifications-link .cart-count')?.textContent === '1',
    undefined,
    { timeout: 15_000 },
  )
  expect(await mark(page)).toBe(loaded)
  await context.close()
})
