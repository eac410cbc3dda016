// The admin's coupons over the shop's JSON API: create, list, read, change; refused to everyone
// else; each change on promotion-events, keyed by the code.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ensureAdmin } from '../../../services/accounts/accounts.ts'
import {
  createPromotion,
  listPromotions,
  updatePromotion,
} from '../../../services/promotions/index.ts'
import { unique } from '../../helpers/broker.ts'
import { TestBrowser } from '../../helpers/browser.ts'
import { readTopicSince, startTestShop, type TestShop } from '../../helpers/shop.ts'

let shop: TestShop
let admin: TestBrowser
const DAY = 86_400_000

beforeAll(async () => {
  shop = await startTestShop()
  await ensureAdmin(shop.platform.database.db, {
    email: 'promo-boss@example.test',
    password: 'admin-password-123',
  })
  admin = new TestBrowser(shop.app)
  await admin.get('/login')
  await admin.post('/login', { email: 'promo-boss@example.test', password: 'admin-password-123' })
})

afterAll(() => shop.close())

const code = () =>
  unique('spring')
    .replaceAll(/[^A-Za-z0-9]/g, '')
    .slice(-20)
const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString()

interface Problem {
  code: string
  errors?: { field: string; message: string }[]
}

describe('the promotions admin API', () => {
  test('an admin creates, reads, lists and changes a coupon; each change goes out on promotion-events', async () => {
    const since = Date.now()
    const typed = code().toLowerCase()
    const created = await admin.json('POST', '/api/admin/promotions', {
      code: typed,
      kind: 'percent',
      value: 15,
      endsAt: inDays(30),
      maxUses: 100,
      maxUsesPerCustomer: 1,
    })
    expect(created.status).toBe(201)
    const { data } = (await created.json()) as { data: Record<string, unknown> }
    const upper = typed.toUpperCase()
    expect(data).toMatchObject({
      code: upper,
      kind: 'percent',
      value: 15,
      currency: null,
      maxUses: 100,
      maxUsesPerCustomer: 1,
      active: true,
      uses: 0,
      remainingUses: 100,
    })
    expect(created.headers.get('location')).toBe(`/api/admin/promotions/${upper}`)

    // The code in any case finds it.
    const read = await admin.json('GET', `/api/admin/promotions/${typed}`)
    expect(((await read.json()) as { data: { id: string } }).data.id).toBe(data.id as string)

    const patched = await admin.json('PATCH', `/api/admin/promotions/${upper}`, {
      endsAt: inDays(60),
      maxUses: null,
    })
    expect(patched.status).toBe(200)
    expect(((await patched.json()) as { data: object }).data).toMatchObject({
      maxUses: null,
      remainingUses: null,
    })
    const stopped = await admin.json('PATCH', `/api/admin/promotions/${upper}`, { active: false })
    expect(((await stopped.json()) as { data: object }).data).toMatchObject({ active: false })

    const list = await admin.json('GET', '/api/admin/promotions')
    const listed = ((await list.json()) as { data: { code: string; uses: number }[] }).data
    expect(listed.find((p) => p.code === upper)).toMatchObject({ uses: 0, active: false })

    const records = await readTopicSince(
      shop.platform.bus,
      'promotion-events',
      since,
      (rs) => rs.filter((r) => r.key === upper).length >= 3,
    )
    const mine = records.filter((r) => r.key === upper)
    expect(mine.map((r) => r.headers.ce_type)).toEqual([
      'promotion.created',
      'promotion.updated',
      'promotion.updated',
    ])
    expect(JSON.parse(String(mine[1]?.value)).changes).toEqual({
      endsAt: expect.any(String),
      maxUses: null,
    })
    expect(JSON.parse(String(mine[2]?.value)).changes).toEqual({ active: false })
  })

  test('a code taken in any case is a 409', async () => {
    const taken = code()
    const body = { code: taken, kind: 'fixed', value: 500, currency: 'eur', endsAt: inDays(1) }
    expect((await admin.json('POST', '/api/admin/promotions', body)).status).toBe(201)
    const again = await admin.json('POST', '/api/admin/promotions', {
      ...body,
      code: taken.toLowerCase(),
    })
    expect(again.status).toBe(409)
    expect(again.headers.get('content-type')).toContain('application/problem+json')
    expect(((await again.json()) as Problem).code).toBe('CONFLICT')
  })

  test('bad terms are a 400 naming each field, and nothing is created', async () => {
    const bad = code()
    const before = (await listPromotions(shop.platform.database.db)).length
    const res = await admin.json('POST', '/api/admin/promotions', {
      code: bad,
      kind: 'percent',
      value: 150,
      startsAt: inDays(2),
      endsAt: inDays(1),
      maxUses: 0,
    })
    expect(res.status).toBe(400)
    const problem = (await res.json()) as Problem
    expect(problem.errors?.map((e) => e.field).sort()).toEqual(['endsAt', 'maxUses', 'value'])
    expect((await listPromotions(shop.platform.database.db)).length).toBe(before)

    const unknown = await admin.json('PATCH', '/api/admin/promotions/NOPE-NOT-HERE', {
      active: false,
    })
    expect(unknown.status).toBe(404)
    const empty = await admin.json('PATCH', `/api/admin/promotions/${bad}`, {})
    expect(empty.status).toBe(400)
  })

  test('a window changed to end before it starts is a 400', async () => {
    const c = code()
    await admin.json('POST', '/api/admin/promotions', {
      code: c,
      kind: 'percent',
      value: 5,
      startsAt: inDays(1),
      endsAt: inDays(3),
    })
    const res = await admin.json('PATCH', `/api/admin/promotions/${c}`, { endsAt: inDays(0.5) })
    expect(res.status).toBe(400)
    expect(((await res.json()) as Problem).errors).toEqual([
      { field: 'endsAt', message: 'endsAt must be after startsAt' },
    ])
  })

  test('two admins changing different terms at once keep both changes', async () => {
    const c = code()
    await admin.json('POST', '/api/admin/promotions', {
      code: c,
      kind: 'percent',
      value: 5,
      startsAt: inDays(0),
      endsAt: inDays(3),
    })
    // Both read the coupon before either writes, as two requests at once do.
    await Promise.all([
      updatePromotion(shop.platform.database.db, c, { active: false }),
      updatePromotion(shop.platform.database.db, c, { maxUses: 100 }),
    ])
    const now = await admin.json('GET', `/api/admin/promotions/${c}`)
    expect(await now.json()).toMatchObject({ data: { active: false, maxUses: 100 } })
  })

  test('a customer or a guest gets 403 for every call, and nothing changes', async () => {
    const customer = new TestBrowser(shop.app)
    await customer.get('/register')
    await customer.post('/register', {
      name: 'Cora',
      email: `${unique('c')}@example.test`,
      password: 'correct horse battery',
    })
    const guest = new TestBrowser(shop.app)
    await guest.get('/')
    const existing = await createPromotion(shop.platform.database.db, {
      code: code(),
      kind: 'percent',
      value: 5,
      endsAt: inDays(1),
    })
    const before = await listPromotions(shop.platform.database.db)
    const attempt = code()
    for (const browser of [customer, guest]) {
      for (const [method, path, body] of [
        ['GET', '/api/admin/promotions', undefined],
        [
          'POST',
          '/api/admin/promotions',
          { code: attempt, kind: 'percent', value: 50, endsAt: inDays(1) },
        ],
        ['GET', `/api/admin/promotions/${attempt}`, undefined],
        ['GET', `/api/admin/promotions/${existing.code}`, undefined],
        ['PATCH', `/api/admin/promotions/${existing.code}`, { active: false }],
      ] as const) {
        const res = await browser.json(method, path, body)
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 })
        expect(res.headers.get('content-type')).toContain('application/problem+json')
      }
    }
    expect(await listPromotions(shop.platform.database.db)).toEqual(before)
  })
})
