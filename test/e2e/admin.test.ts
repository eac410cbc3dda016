// The admin area in a real browser against `bun web/main.ts`: the Overview's charts are drawn by
// uPlot under the shop's CSP and stay drawn as the page's stream replaces them; while
// `bun run simulate` runs for a few seconds its numbers and chart move without a reload; and each
// tab opens (with a screenshot of each).
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { ADMIN_TABS } from '../../web/pages/admin/admin-layout.tsx'
import { type BrowserShop, startBrowserShop } from '../helpers/e2e.ts'

const ADMIN = { email: 'e2e-admin@example.test', password: 'e2e-admin-password' }

let shop: BrowserShop

beforeAll(async () => {
  shop = await startBrowserShop({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password })
}, 120_000)

afterAll(() => shop?.close())

/** The Overview's figure `id` as the page shows it now. */
const shown = (page: Page, id: string) =>
  page.locator(`[data-figure="${id}"] dd`).first().textContent()

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

  // `bun run simulate` for a few seconds: the open page's numbers and chart move, with no reload.
  await page.evaluate(() => {
    ;(window as unknown as { notReloaded: boolean }).notReloaded = true
  })
  const before = {
    views: await shown(page, 'views'),
    orders: await shown(page, 'orders'),
    chart: await page.locator('#events-chart').getAttribute('data-chart'),
  }
  // A few seconds of shoppers, and two buyers placing real orders.
  const simulate = Bun.spawn(
    [
      ...[process.execPath, 'tools/simulate/cli.ts', '--url', shop.base, '--users', '20'],
      ...['--rate', '60', '--duration', '8', '--buyers', '2', '--order-rate', '1'],
      ...['--seed', String(Math.floor(Math.random() * 1e9))],
    ],
    { cwd: join(import.meta.dir, '../..'), stdout: 'ignore', stderr: 'pipe' },
  )
  await page.waitForFunction(
    (was) => {
      const figure = (id: string) =>
        document.querySelector(`[data-figure="${id}"] dd`)?.textContent ?? null
      const chart = document.querySelector('#events-chart')?.getAttribute('data-chart')
      return figure('views') !== was.views && figure('orders') !== was.orders && chart !== was.chart
    },
    before,
    { timeout: 45_000 },
  )
  expect(
    await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded),
  ).toBe(true)
  expect(await page.locator('#events-chart canvas').count()).toBeGreaterThan(0)
  await shop.shot(page, 'admin-overview')
  expect(await simulate.exited, await new Response(simulate.stderr).text()).toBe(0)

  for (const tab of ADMIN_TABS.filter((t) => t.id !== 'overview')) {
    await page
      .getByRole('navigation', { name: 'Admin' })
      .getByRole('link', { name: tab.label })
      .click()
    await page.getByRole('heading', { level: 1, name: tab.label }).waitFor()
    if (tab.id === 'users') await page.locator('#growth-chart canvas').first().waitFor()
    await shop.shot(page, `admin-${tab.id}`)
  }
  expect(errors).toEqual([])
  await context.close()
})
