// Every table of every admin tab as CSV: each page lists a link per table, and each link answers
// that table's header and rows as the page shows them; a table the page does not have is a 400,
// and only admins get any of it.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { tablesOf } from '../../web/pages/admin/tables-csv.ts'
import { adminOf, aroundToday } from '../helpers/admin.ts'
import type { TestBrowser } from '../helpers/browser.ts'
import {
  type SagaShop,
  shopper,
  startSagaShop,
  stockedProduct,
  TEST_CARDS,
  terminal,
} from '../helpers/saga.ts'

let shop: SagaShop
let admin: () => Promise<TestBrowser>

beforeAll(async () => {
  shop = await startSagaShop()
  admin = await adminOf(shop)
  // An order, so the tables have rows.
  const product = await stockedProduct(shop, 5, 1250)
  const buyer = await shopper(shop)
  await terminal(
    buyer.get,
    await buyer.place(TEST_CARDS.ok, [{ productId: product.id, quantity: 1 }]),
  )
})

afterAll(() => shop.close())

/** Parses RFC 4180 CSV (quoted cells included) into rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(cell)
      cell = ''
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
      i++
    } else cell += ch
  }
  return rows
}

const PAGES = [
  `/admin/overview?${aroundToday()}`,
  `/admin/orders?${aroundToday()}`,
  `/admin/users?${aroundToday()}`,
  `/admin/products?${aroundToday()}`,
  `/admin/funnels?${aroundToday()}`,
  '/admin/recommendations',
  `/admin/sagas?${aroundToday()}`,
  '/admin/stream',
]

describe('admin tables as CSV', () => {
  test('every table of every tab has a link, and its CSV holds what the page shows', async () => {
    const boss = await admin()
    let checked = 0
    for (const page of PAGES) {
      await boss.get(page)
      const html = boss.lastHtml
      const tables = await tablesOf(html)
      const links = [...html.matchAll(/<a href="([^"]*csv=[^"]*)" download>/g)].map((m) =>
        (m[1] ?? '').replaceAll('&amp;', '&'),
      )
      expect(links.length, page).toBe(tables.length)
      for (const table of tables) {
        const link = links.find((l) => new URL(l, 'http://x').searchParams.get('csv') === table.id)
        expect(link, `${page} ${table.id}`).toBeDefined()
        // The link keeps the page's own query (its range).
        expect(new URL(link ?? '', 'http://x').pathname).toBe(new URL(page, 'http://x').pathname)
        const res = await boss.request(link ?? '')
        expect(res.status, `${page} ${table.id}`).toBe(200)
        expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
        const [header, ...rows] = parseCsv(await res.text())
        expect(header).toEqual(table.header)
        expect(rows.length).toBe(table.rows.length)
        checked++
      }
    }
    // Overview (2), Orders, Users, Products, Funnels (2), Recommendations, Sagas, Stream: at least.
    expect(checked).toBeGreaterThanOrEqual(12)
  })

  test("a table's rows are its cells as shown: the Overview's today row and the order's line", async () => {
    const boss = await admin()
    const today = new Date().toISOString().slice(0, 10)
    const csv = await boss.request(`/admin/overview?${aroundToday()}&csv=overview-trend`)
    const rows = parseCsv(await csv.text())
    expect(rows[0]).toEqual(['Day (UTC)', 'Revenue', 'Orders placed', 'Completed'])
    expect(rows.find((r) => r[0] === today)?.slice(2)).toEqual(['1', '1'])
    expect(rows.find((r) => r[0] === today)?.[1]).toBe('€12.50')
  })

  test('an unknown table is a 400 naming the page’s tables; shoppers get a 403', async () => {
    const boss = await admin()
    const res = await boss.request(`/admin/orders?${aroundToday()}&csv=nope`, {
      headers: { accept: 'application/json' },
    })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('top-sellers')
    const customer = await shopper(shop)
    expect((await customer.browser.get('/admin/orders?csv=top-sellers')).status).toBe(403)
  })
})

test('a table id with characters a header cannot carry gives a safe file name', async () => {
  const { Hono } = await import('hono')
  const { tablesAsCsv } = await import('../../web/pages/admin/tables-csv.ts')
  const app = new Hono()
  app.use('*', tablesAsCsv)
  app.get('/page', (c) =>
    c.html(
      '<h1>Page</h1><table class="admin-table" id="x&quot;; y"><thead><tr><th>A</th></tr></thead><tbody><tr><td>=1+1</td></tr></tbody></table>',
    ),
  )
  const res = await app.request(`/page?csv=${encodeURIComponent('x"; y')}`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-disposition')).toBe('attachment; filename="x___y.csv"')
  // A cell a spreadsheet would run is made text.
  expect(await res.text()).toBe("A\r\n'=1+1\r\n")
})
