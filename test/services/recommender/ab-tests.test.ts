// A/B tests end to end, on the run's broker: the running experiment chooses a shopper's strategy,
// exposures, clicks and purchases flow through ab-test-events into the results, admins manage
// experiments over the JSON API, and the store keeps at most one running.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ensureAdmin } from '../../../services/accounts/accounts.ts'
import type { Product } from '../../../services/catalog/index.ts'
import { parseExperiments } from '../../../services/recommender/experiments/config.ts'
import {
  assignVariant,
  type Experiment,
} from '../../../services/recommender/experiments/experiment.ts'
import { ExperimentRegistry } from '../../../services/recommender/experiments/registry.ts'
import type { ExperimentResults } from '../../../services/recommender/experiments/results.ts'
import {
  addConfiguredExperiments,
  createExperiment,
  getExperiment,
  listExperiments,
  setExperimentStatus,
} from '../../../services/recommender/experiments/store.ts'
import { OutboxWriter } from '../../../shared/bus/outbox-writer.ts'
import type { ConsumedRecord } from '../../../shared/bus/types.ts'
import { ConflictError, ValidationError } from '../../../shared/errors.ts'
import { eventually, tempDatabase, unique } from '../../helpers/broker.ts'
import { TestBrowser } from '../../helpers/browser.ts'
import { readTopicSince, startSeededShop, type TestShop } from '../../helpers/shop.ts'

const HOUR = 3_600_000
const startedAt = Date.now()

function experiment(id: string, overrides: Partial<Experiment> = {}): Experiment {
  return {
    id,
    name: `Experiment ${id}`,
    variants: [
      { name: 'control', strategy: 'hybrid', weight: 50 },
      { name: 'treatment', strategy: 'item-item', weight: 50 },
    ],
    status: 'running',
    startedAt: new Date(Date.now() - HOUR).toISOString(),
    conversionWindowMs: HOUR,
    ...overrides,
  }
}

describe('the experiment store', () => {
  test('configured experiments are added once; what an admin changed survives a restart', async () => {
    const database = await tempDatabase()
    try {
      const configured = [experiment('first')]
      await addConfiguredExperiments(database.db, configured)
      await setExperimentStatus(database.db, 'first', 'stopped')
      await addConfiguredExperiments(database.db, configured)
      expect(await getExperiment(database.db, 'first')).toMatchObject({
        status: 'stopped',
        source: 'config',
      })
    } finally {
      database.close()
    }
  })

  test('at most one experiment runs: creating or starting a second is a conflict', async () => {
    const database = await tempDatabase()
    try {
      await createExperiment(database.db, experiment('a'), 'api')
      await expect(createExperiment(database.db, experiment('b'), 'api')).rejects.toThrow(
        'Experiment a is running: stop it before starting b',
      )
      await expect(createExperiment(database.db, experiment('a'), 'api')).rejects.toThrow(
        ConflictError,
      )
      await createExperiment(database.db, experiment('b', { status: 'stopped' }), 'api')
      await expect(setExperimentStatus(database.db, 'b', 'running')).rejects.toThrow(ConflictError)
      await setExperimentStatus(database.db, 'a', 'stopped')
      await setExperimentStatus(database.db, 'b', 'running')
      // A configured experiment that would run alongside b is added, stopped.
      await addConfiguredExperiments(database.db, [experiment('c')])
      const statuses = (await listExperiments(database.db)).map((e) => [e.id, e.status])
      expect(statuses).toEqual([
        ['a', 'stopped'],
        ['b', 'running'],
        ['c', 'stopped'],
      ])
    } finally {
      database.close()
    }
  })

  test('an experiment that has not started yet chooses no strategy', async () => {
    const database = await tempDatabase()
    const registry = new ExperimentRegistry({
      db: database.db,
      outbox: new OutboxWriter(database.client),
    })
    try {
      const startsAt = Date.now() + HOUR
      await createExperiment(
        database.db,
        experiment('later', { startedAt: new Date(startsAt).toISOString() }),
        'api',
      )
      await registry.refresh()
      expect(registry.assign('someone')).toBeNull()
      expect(registry.assign('someone', startsAt)).toMatchObject({ experimentId: 'later' })
    } finally {
      registry.close()
      database.close()
    }
  })

  test('RECOMMENDER_EXPERIMENTS with two running is refused, naming the field', () => {
    const json = JSON.stringify([experiment('one'), experiment('two')])
    expect(() => parseExperiments(json)).toThrow(ValidationError)
    expect(() => parseExperiments(json)).toThrow(
      'RECOMMENDER_EXPERIMENTS[1].status: only one experiment can run at a time (one, two are running)',
    )
  })
})

describe('A/B tests in the shop', () => {
  const configured = experiment(
    unique('recs')
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-'),
  )
  let shop: TestShop
  let products: Product[]
  let admin: TestBrowser

  beforeAll(async () => {
    ;({ shop, products } = await startSeededShop(
      { RECOMMENDER_EXPERIMENTS: JSON.stringify([configured]) },
      20,
    ))
    await ensureAdmin(shop.platform.database.db, {
      email: 'boss@example.test',
      password: 'admin-password-123',
    })
    admin = new TestBrowser(shop.app)
    await admin.get('/login')
    // Not following the redirect home: the admin's own exposure there would count too.
    await admin.request(
      '/login',
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          email: 'boss@example.test',
          password: 'admin-password-123',
          _csrf: admin.csrfToken(),
        }).toString(),
      },
      false,
    )
    await admin.get('/orders') // a page without a panel, for the signed-in CSRF token
  })

  afterAll(() => shop.close())

  function adminJson(method: string, path: string, body?: unknown) {
    return admin.request(path, {
      method,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'x-csrf-token': admin.csrfToken(),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  }

  async function results(id: string): Promise<ExperimentResults> {
    const res = await adminJson('GET', `/api/admin/experiments/${id}/results`)
    expect(res.status).toBe(200)
    return ((await res.json()) as { data: ExperimentResults }).data
  }

  const countsOf = (r: ExperimentResults, variant: string) =>
    r.variants.find((v) => v.variant === variant)?.counts

  /** Users of the running experiment, picked so that both variants have some. */
  function usersByVariant(e: Experiment, n: number) {
    const users = Array.from({ length: n }, () => unique('ab-user'))
    return users.map((userId) => ({ userId, variant: assignVariant(e, userId) }))
  }

  test('a shopper who names no strategy gets their variant, stably; each exposure counts once', async () => {
    const users = usersByVariant(configured, 16)
    for (const { userId, variant } of users) {
      for (let i = 0; i < 2; i++) {
        const res = await shop.app.request(`/api/recommendations/${userId}?limit=4`)
        const body = (await res.json()) as { metadata: Record<string, unknown> }
        expect(body.metadata).toMatchObject({
          experimentId: configured.id,
          variant: variant.name,
          strategy: variant.strategy,
        })
      }
    }
    // Naming a strategy leaves the experiment out.
    const named = await shop.app.request(
      `/api/recommendations/${users[0]?.userId}?strategy=popular`,
    )
    expect(((await named.json()) as { metadata: unknown }).metadata).toMatchObject({
      strategy: 'popular',
      experimentId: null,
      variant: null,
    })

    const expected = (name: string) => users.filter((u) => u.variant.name === name).length
    expect(expected('control')).toBeGreaterThan(0)
    expect(expected('treatment')).toBeGreaterThan(0)
    const counted = await eventually(
      async () => {
        const r = await results(configured.id)
        const total = r.variants.reduce((n, v) => n + v.counts.exposures, 0)
        return total >= users.length ? r : undefined
      },
      30_000,
      'the exposures to be counted',
    )
    expect(countsOf(counted, 'control')?.exposures).toBe(expected('control'))
    expect(countsOf(counted, 'treatment')?.exposures).toBe(expected('treatment'))
  })

  test('admins manage experiments; a click in the shopper own variant counts, and a purchase after it converts', async () => {
    // Only admins: a guest and a shopper are refused before anything is read.
    expect((await shop.app.request('/api/admin/experiments')).status).toBe(403)
    const shopper = new TestBrowser(shop.app)
    await shopper.get('/register')
    await shopper.post('/register', {
      name: 'Cora',
      email: `${unique('c')}@example.test`,
      password: 'correct horse battery',
    })
    expect(
      (await shopper.request('/api/admin/experiments', { headers: { accept: 'application/json' } }))
        .status,
    ).toBe(403)

    const fresh = experiment(`clicks-${Date.now()}`)
    const { startedAt: _, ...input } = fresh
    // Another experiment runs: stop it first.
    expect((await adminJson('POST', '/api/admin/experiments', input)).status).toBe(409)
    const bad = await adminJson('POST', '/api/admin/experiments', {
      ...input,
      variants: [{ name: 'only', strategy: 'hybrid', weight: -1 }],
    })
    expect(bad.status).toBe(400)
    expect(JSON.stringify(await bad.json())).toContain('weight must be positive')
    const stopped = await adminJson('PATCH', `/api/admin/experiments/${configured.id}`, {
      status: 'stopped',
    })
    expect(((await stopped.json()) as { data: { status: string } }).data.status).toBe('stopped')
    const created = await adminJson('POST', '/api/admin/experiments', input)
    expect(created.status).toBe(201)
    const stored = ((await created.json()) as { data: Experiment }).data

    const users = usersByVariant(stored, 12)
    const [a, b, c] = users as [(typeof users)[0], (typeof users)[0], (typeof users)[0]]
    const other = (name: string) => (name === 'control' ? 'treatment' : 'control')
    const [p1, p2] = products as [Product, Product]
    const click = (userId: string, productId: string, variant: string) => ({
      type: 'recommendation.clicked',
      userId,
      productId,
      // What /api/events calls `data` becomes the event's metadata.
      data: { strategy: 'hybrid', position: 1, experimentId: stored.id, variant },
    })
    const purchase = (userId: string, productId: string) => ({
      type: 'product.purchased',
      userId,
      productId,
    })
    // Served in this process: the new experiment chooses at once.
    for (const u of users) {
      const res = await shop.app.request(`/api/recommendations/${u.userId}`)
      const body = (await res.json()) as { metadata: { experimentId: string; variant: string } }
      expect(body.metadata).toMatchObject({ experimentId: stored.id, variant: u.variant.name })
    }
    const events = [
      // a: clicks p1 in their own variant, then buys it: a click and a conversion.
      click(a.userId, p1.id, a.variant.name),
      purchase(a.userId, p1.id),
      // b: a click claiming the other variant counts for neither; the purchase converts nothing.
      click(b.userId, p1.id, other(b.variant.name)),
      purchase(b.userId, p1.id),
      // c: clicks p1, buys p2: a click, no conversion.
      click(c.userId, p1.id, c.variant.name),
      purchase(c.userId, p2.id),
    ]
    expect((await shop.post('/api/events', { events })).status).toBe(202)

    const expected = (name: string) => ({
      exposures: users.filter((u) => u.variant.name === name).length,
      clicks: [a, c].filter((u) => u.variant.name === name).length,
      conversions: a.variant.name === name ? 1 : 0,
    })
    const r = await eventually(
      async () => {
        const r = await results(stored.id)
        const clicks = r.variants.reduce((n, v) => n + v.counts.clicks, 0)
        const conversions = r.variants.reduce((n, v) => n + v.counts.conversions, 0)
        return clicks >= 2 && conversions >= 1 ? r : undefined
      },
      30_000,
      'the click and the conversion to be counted',
    )
    for (const name of ['control', 'treatment']) {
      expect(countsOf(r, name)).toMatchObject(expected(name))
    }
    const treatment = r.variants.find((v) => v.variant === 'treatment')
    expect(treatment?.vsControl?.ctr).toHaveProperty('p')
    // The purchases of b and c reached ab-test-events as conversions too: only a's follows a click.
    const onTopic = await readTopicSince(
      shop.platform.bus,
      'ab-test-events',
      startedAt,
      (rs) =>
        rs.filter(
          (x) =>
            x.headers.ce_type === 'experiment.converted' &&
            [a, b, c].some((u) => x.key === u.userId),
        ).length >= 3,
      30_000,
    )
    expect(
      onTopic.some((x) => x.key === a.userId && x.headers.ce_type === 'experiment.clicked'),
    ).toBe(true)
    expect(
      onTopic.some((x) => x.key === b.userId && x.headers.ce_type === 'experiment.clicked'),
    ).toBe(false)
  })

  test('the storefront panel carries the variant, and a click through it is counted', async () => {
    const running = (await listExperiments(shop.platform.database.db)).find(
      (e) => e.status === 'running',
    ) as Experiment
    const guest = new TestBrowser(shop.app)
    await guest.get('/')
    const link = guest.lastHtml
      .match(/href="([^"]*rec=[^"]*ab=[^"]*)"/)?.[1]
      ?.replaceAll('&amp;', '&')
    expect(link).toBeDefined()
    const ab = new URL(link as string, 'http://shop.test').searchParams.get('ab')
    expect(ab?.startsWith(`${running.id}.`)).toBe(true)
    await guest.get(link as string)
    const productSlug = new URL(link as string, 'http://shop.test').pathname.split('/').pop()
    const product = products.find((p) => p.slug === productSlug) as Product
    // The guest's click: guests' shopper ids start with g_ (the other test's shoppers do not).
    const isGuestClick = (x: ConsumedRecord) => {
      if (x.headers.ce_type !== 'experiment.clicked' || !x.key?.startsWith('g_')) return false
      const data = JSON.parse(x.value) as { productId: string; experimentId: string }
      return data.productId === product.id && data.experimentId === running.id
    }
    const clicked = await readTopicSince(
      shop.platform.bus,
      'ab-test-events',
      startedAt,
      (rs) => rs.some(isGuestClick),
      30_000,
    )
    const event = clicked.find(isGuestClick)
    expect(JSON.parse(event?.value ?? '{}')).toMatchObject({
      experimentId: running.id,
      variant: ab?.slice(running.id.length + 1),
      productId: product.id,
      metadata: { position: expect.any(Number) },
    })
  })
})
