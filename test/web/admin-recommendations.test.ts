// The admin's Recommendations tab on the shop: only admins see it, its stream and its CSV; with an
// experiment running and exposures and clicks arriving on `ab-test-events`, it shows each variant's
// CTR with its 95% interval and the test against the control, the CSV holds the variants, and the
// stream sends the figures again (with the models' figures and the consumer lag) when a click lands.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import {
  createExperiment,
  listExperiments,
  setExperimentStatus,
} from '../../services/recommender/experiments/store.ts'
import { createEvent, toRecord } from '../../shared/events/envelope.ts'
import { adminOf } from '../helpers/admin.ts'
import { eventually, unique } from '../helpers/broker.ts'
import { TestBrowser } from '../helpers/browser.ts'
import { shopper } from '../helpers/saga.ts'
import { startTestShop, type TestShop } from '../helpers/shop.ts'

let shop: TestShop
let admin: () => Promise<TestBrowser>

beforeAll(async () => {
  shop = await startTestShop()
  admin = await adminOf(shop)
})

afterAll(() => shop.close())

const fact = (
  type: 'experiment.exposed' | 'experiment.clicked',
  experimentId: string,
  variant: string,
  userId: string,
) =>
  toRecord(
    createEvent(
      type,
      {
        experimentId,
        variant,
        strategy: variant === 'control' ? 'hybrid' : 'item-item',
        userId,
        metadata: {},
        productId: 'p-1',
      },
      { source: '/test/recommender' },
    ),
  )

/** A variant's row of an experiment's table: strategy, exposed, clicks, CTR, …, vs control. */
function variantCells(html: string, experimentId: string, variant: string): string[] {
  const table = html.split(`data-experiment="${experimentId}"`)[1]?.split('</table>')[0] ?? ''
  const row = table.split(`data-variant="${variant}">`)[1]?.split('</tr>')[0] ?? ''
  return [...row.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1] ?? '')
}

/** Reads the stream of the part until `done` holds of everything read, for at most 20 s. */
async function follow(browser: TestBrowser, part: string) {
  const abort = new AbortController()
  const res = await browser.request(`/live?parts=${part}`, { signal: abort.signal })
  expect(res.status).toBe(200)
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  let text = ''
  return {
    text: () => text,
    until: async (done: (text: string) => boolean) => {
      const deadline = Date.now() + 20_000
      while (!done(text) && Date.now() < deadline) {
        const { value, done: ended } = await reader.read()
        if (ended) break
        text += new TextDecoder().decode(value)
      }
    },
    close: async () => {
      abort.abort()
      await reader.cancel().catch(() => {})
    },
  }
}

/** The last update's part of the stream: the figures as they are now. */
const lastUpdate = (text: string) => text.split('id="admin-recommendations-figures"').at(-1) ?? ''

describe('admin: recommendations', () => {
  test('only admins see the page, its stream and its CSV', async () => {
    const guest = new TestBrowser(shop.app)
    for (const path of ['/admin/recommendations', '/admin/recommendations?format=csv']) {
      const res = await guest.request(path, {}, false)
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toStartWith('/login?next=')
    }
    const customer = await shopper(shop)
    expect((await customer.browser.get('/admin/recommendations')).status).toBe(403)
    expect((await customer.browser.get('/admin/recommendations?format=csv')).status).toBe(403)
    expect((await customer.browser.get('/live?parts=admin-recommendations')).status).toBe(403)
    const boss = await admin()
    expect((await boss.get('/admin/recommendations')).status).toBe(200)
    expect((await boss.get('/admin/recommendations?format=csv')).status).toBe(200)
    expect((await boss.get('/admin/recommendations?format=xml')).status).toBe(400)
  })

  test("each variant's CTR with its interval and test, the CSV, and the stream when a click lands", async () => {
    const { db } = shop.platform.database
    for (const e of await listExperiments(db))
      if (e.status === 'running') await setExperimentStatus(db, e.id, 'stopped')
    const id = `exp-${crypto.randomUUID().slice(0, 8)}`
    await createExperiment(
      db,
      {
        id,
        name: 'Hybrid against item-item',
        variants: [
          { name: 'control', strategy: 'hybrid', weight: 50 },
          { name: 'treatment', strategy: 'item-item', weight: 50 },
        ],
        status: 'running',
        startedAt: new Date(Date.now() - 3_600_000).toISOString(),
        conversionWindowMs: 3_600_000,
      },
      'api',
    )
    const control = Array.from({ length: 4 }, () => unique('c'))
    const treatment = Array.from({ length: 4 }, () => unique('t'))
    await shop.platform.bus.publish([
      ...control.map((u) => fact('experiment.exposed', id, 'control', u)),
      ...treatment.map((u) => fact('experiment.exposed', id, 'treatment', u)),
      ...control.slice(0, 2).map((u) => fact('experiment.clicked', id, 'control', u)),
      fact('experiment.clicked', id, 'treatment', treatment[0] as string),
    ])
    const boss = await admin()
    const html = await eventually(
      async () => {
        await boss.get('/admin/recommendations')
        return variantCells(boss.lastHtml, id, 'treatment')[2] === '1' ? boss.lastHtml : undefined
      },
      20_000,
      'the facts counted',
    )
    // Strategy, exposed, clicks, CTR (Wilson 95%), conversions, conversion, vs control ×2.
    expect(variantCells(html, id, 'control').slice(0, 4)).toEqual([
      'hybrid',
      '4',
      '2',
      '50.0% (15.0%–85.0%)',
    ])
    const treated = variantCells(html, id, 'treatment')
    expect(treated.slice(0, 4)).toEqual(['item-item', '4', '1', '25.0% (4.6%–69.9%)'])
    expect(treated[6]).toMatch(/^not significant \(z = -0\.73, p = 0\.\d{3}\)$/)
    expect(variantCells(html, id, 'control')[6]).toBe('control')

    const csv = await boss.request('/admin/recommendations?format=csv')
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    const lines = (await csv.text()).split('\r\n')
    expect(lines[0]).toStartWith(
      'experimentId,experiment,status,variant,strategy,control,exposures',
    )
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^${id},Hybrid against item-item,running,control,hybrid,yes,4,2,0,2,0,0\\.5,0\\.15`,
        ),
      ),
    )
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^${id},[^,]+,running,treatment,item-item,no,4,1,0,1,0,0\\.25,`),
      ),
    )

    const live = await follow(boss, 'admin-recommendations')
    await live.until((t) => t.includes('data-experiment'))
    expect(variantCells(lastUpdate(live.text()), id, 'treatment')[3]).toStartWith('25.0%')
    // The stream has this process's models, and the recommender's groups' lag from the broker.
    expect(lastUpdate(live.text())).toContain('data-figure="events-applied"')
    expect(lastUpdate(live.text())).toContain('data-group="recommender-ab-results"')
    await shop.platform.bus.publish([
      fact('experiment.clicked', id, 'treatment', treatment[1] as string),
    ])
    await live.until(
      (t) => variantCells(lastUpdate(t), id, 'treatment')[3]?.startsWith('50.0%') ?? false,
    )
    await live.close()
    expect(variantCells(lastUpdate(live.text()), id, 'treatment').slice(1, 4)).toEqual([
      '4',
      '2',
      '50.0% (15.0%–85.0%)',
    ])
  })
})
