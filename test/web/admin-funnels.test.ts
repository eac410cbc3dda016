// The admin's Funnels tab on the whole saga shop (analytics included): only admins see it and its
// CSV; known journeys give each step's count, conversion and drop-off in both funnels, in the page
// and in the CSV; and its stream sends the funnels again when a journey moves.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { adminOf } from '../helpers/admin.ts'
import { eventually, unique } from '../helpers/broker.ts'
import { TestBrowser } from '../helpers/browser.ts'
import { type SagaShop, shopper, startSagaShop } from '../helpers/saga.ts'
import { eventAt } from '../services/analytics/harness.ts'

let shop: SagaShop
let admin: () => Promise<TestBrowser>

beforeAll(async () => {
  shop = await startSagaShop()
  admin = await adminOf(shop)
})

afterAll(() => shop.close())

// A day of the tests' own, long past: the roll-ups are keyed by event time.
const DAY = '2003-06-07'
const AT = Date.parse(`${DAY}T12:00:00Z`)

type Step = 'product.viewed' | 'cart.item_added' | 'product.purchased' | 'product.clicked'
const act = (type: Step, userId: string, productId: string) =>
  eventAt(type, { userId, productId, metadata: {} }, AT)
const searched = (userId: string) =>
  eventAt('product.searched', { userId, query: 'lamp', metadata: {} }, AT)

/** A step's row of one funnel's table: count, from the step before, from the first, drop-off. */
function stepRow(html: string, funnel: 'product' | 'search', step: string): string | undefined {
  const table = html.split(`data-funnel="${funnel}"`)[1]?.split('</table>')[0] ?? ''
  return table
    .match(new RegExp(`data-step="${step}"><th scope="row">[^<]*</th>((?:<td>[^<]*</td>){4})`))?.[1]
    ?.replaceAll('</td><td>', ' | ')
    .replace(/^<td>|<\/td>$/g, '')
}

describe('admin: funnels', () => {
  test('only admins see the page, its stream and its CSV', async () => {
    const guest = new TestBrowser(shop.app)
    const page = await guest.request('/admin/funnels', {}, false)
    expect(page.status).toBe(303)
    expect(page.headers.get('location')).toStartWith('/login?next=')
    expect((await guest.request('/analytics/funnels?format=csv', {}, false)).status).toBe(403)
    const customer = await shopper(shop)
    expect((await customer.browser.get('/admin/funnels')).status).toBe(403)
    expect((await customer.browser.get('/analytics/funnels?format=csv')).status).toBe(403)
    expect((await customer.browser.get('/live?parts=admin-funnels:0-86400000')).status).toBe(403)
    const boss = await admin()
    expect((await boss.get('/admin/funnels')).status).toBe(200)
    expect((await boss.get('/analytics/funnels?format=csv')).status).toBe(200)
  })

  test('known journeys give the counts, conversion and drop-off, in the page and the CSV', async () => {
    const product = unique('lamp')
    const clicked = unique('shade')
    const [a, b, c, d, e, f] = Array.from({ length: 6 }, () => unique('shopper')) as [
      string,
      string,
      string,
      string,
      string,
      string,
    ]
    await shop.platform.bus.publish([
      // Four view the lamp, two of them add it to the cart, one of those buys it.
      ...[a, b, c, d].map((u) => act('product.viewed', u, product)),
      act('cart.item_added', a, product),
      act('cart.item_added', b, product),
      act('product.purchased', a, product),
      // Two search, one clicks a shade and buys it.
      searched(e),
      searched(f),
      act('product.clicked', e, clicked),
      act('product.purchased', e, clicked),
    ])
    const boss = await admin()
    const html = await eventually(
      async () => {
        await boss.get(`/admin/funnels?from=${DAY}&to=${DAY}`)
        return stepRow(boss.lastHtml, 'search', 'purchased')?.startsWith('1 ') &&
          stepRow(boss.lastHtml, 'product', 'purchased')?.startsWith('1 ')
          ? boss.lastHtml
          : undefined
      },
      20_000,
      'the journeys counted',
    )
    expect(stepRow(html, 'product', 'viewed')).toBe('4 | – | 100.0% | 0 (–)')
    expect(stepRow(html, 'product', 'carted')).toBe('2 | 50.0% | 50.0% | 2 (50.0%)')
    expect(stepRow(html, 'product', 'purchased')).toBe('1 | 50.0% | 25.0% | 1 (50.0%)')
    expect(stepRow(html, 'search', 'searched')).toBe('2 | – | 100.0% | 0 (–)')
    expect(stepRow(html, 'search', 'clicked')).toBe('1 | 50.0% | 50.0% | 1 (50.0%)')
    expect(stepRow(html, 'search', 'purchased')).toBe('1 | 100.0% | 50.0% | 0 (0.0%)')
    // The bars are meters (the CSP allows no inline style): the carted step is 2 of 4.
    expect(html).toContain('<meter min="0" max="4" value="2">50.0%</meter>')
    const link = html.match(/href="(\/analytics\/funnels\?[^"]+)"/)?.[1]?.replaceAll('&amp;', '&')
    const csv = await boss.request(link ?? 'no link')
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(await csv.text()).toBe(
      [
        'funnel,step,count,stepConversion,conversion,dropOff,dropOffRate',
        'product,viewed,4,,1,0,',
        'product,carted,2,0.5,0.5,2,0.5',
        'product,purchased,1,0.5,0.25,1,0.5',
        'search,searched,2,,1,0,',
        'search,clicked,1,0.5,0.5,1,0.5',
        'search,purchased,1,1,0.5,0,0',
        '',
      ].join('\r\n'),
    )
    // The next day, compared with this one: nothing yet, and this day's journeys beside it.
    await boss.get(`/admin/funnels?from=2003-06-08&to=2003-06-08&compare=1`)
    expect(stepRow(boss.lastHtml, 'product', 'viewed')).toBe('0 | – | – | 0 (–)')
    const before = (step: string) =>
      boss.lastHtml.match(
        new RegExp(`data-step="${step}">[\\s\\S]*?data-before="\\d+">([^<]*)<`),
      )?.[1]
    expect(before('viewed')).toBe('4 (100.0%)')
    expect(before('carted')).toBe('2 (50.0%)')
    expect(boss.lastHtml).toMatch(/name="compare" value="1" checked/)
  })

  test("the page's stream sends the funnels again when a journey moves", async () => {
    const day = '2003-06-09'
    const boss = await admin()
    await boss.get(`/admin/funnels?from=${day}&to=${day}`)
    const part = boss.lastHtml.match(/parts=(admin-funnels%3A\d+-\d+)/)?.[1]
    const abort = new AbortController()
    const res = await boss.request(`/live?parts=${part}`, { signal: abort.signal })
    expect(res.status).toBe(200)
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    let text = ''
    const viewed = () =>
      [...text.matchAll(/data-step="viewed"><th scope="row">[^<]*<\/th><td>(\d+)<\/td>/g)].map(
        (m) => Number(m[1]),
      )
    const until = async (done: (v: number[]) => boolean) => {
      const deadline = Date.now() + 20_000
      while (!done(viewed()) && Date.now() < deadline) {
        const { value, done: ended } = await reader.read()
        if (ended) break
        text += new TextDecoder().decode(value)
      }
    }
    await until((v) => v.length > 0)
    expect(viewed().at(-1)).toBe(0)
    await shop.platform.bus.publish([
      eventAt(
        'product.viewed',
        { userId: unique('shopper'), productId: unique('p'), metadata: {} },
        Date.parse(`${day}T08:00:00Z`),
      ),
    ])
    await until((v) => (v.at(-1) ?? 0) > 0)
    abort.abort()
    await reader.cancel().catch(() => {})
    expect(viewed().at(-1)).toBe(1)
  })
})
