// The admin area in a real browser against `bun web/main.ts`: the Overview's charts are drawn by
// uPlot under the shop's CSP, stay drawn as the page's stream replaces them, and each tab opens
// (with a screenshot of each).
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { type BrowserShop, startBrowserShop } from '../helpers/e2e.ts'

const ADMIN = { email: 'e2e-admin@example.test', password: 'e2e-admin-password' }

let shop: BrowserShop

beforeAll(async () => {
  shop = await startBrowserShop({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password })
}, 120_000)

afterAll(() => shop?.close())

test('an admin sees the overview charts drawn and redrawn live, and opens every tab', async () => {
  const context = await shop.browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  await page.goto(`${shop.base}/login?next=/admin`)
  await page.getByLabel('Email').fill(ADMIN.email)
  await page.getByLabel(/Password/).fill(ADMIN.password)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.waitForURL((url) => url.pathname === '/admin/overview')
  for (const id of ['events-chart', 'trend-chart'])
    await page.locator(`#${id} canvas`).first().waitFor({ timeout: 15_000 })
  // The events chart moves every second: after a few updates there is still one, drawn.
  await page.waitForTimeout(3000)
  const charts = await page.evaluate(() =>
    ['#events-chart', '#trend-chart'].map((s) => ({
      elements: document.querySelectorAll(s).length,
      drawn: document.querySelectorAll(`${s} canvas`).length > 0,
    })),
  )
  expect(charts).toEqual([
    { elements: 1, drawn: true },
    { elements: 1, drawn: true },
  ])
  await shop.shot(page, 'admin-overview')
  for (const tab of ['Orders', 'Users', 'Sagas', 'Stream']) {
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: tab }).click()
    await page.getByRole('heading', { level: 1, name: tab }).waitFor()
    if (tab === 'Users') await page.locator('#growth-chart canvas').first().waitFor()
    await shop.shot(page, `admin-${tab.toLowerCase()}`)
  }
  expect(errors).toEqual([])
  await context.close()
})
