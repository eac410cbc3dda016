// Coupons at checkout, through the whole saga on a real broker: the discount is what the payment
// authorizes, a coupon the order may not use stops it before anything starts, the limits hold under
// concurrency, and a cancelled order gives its use back.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, count, eq } from 'drizzle-orm'
import { orderSagas, orders } from '../../../services/orders/schema.ts'
import { paymentOf } from '../../../services/payments/index.ts'
import {
  createPromotion,
  getPromotion,
  type PromotionCreateInput,
  redemptionOf,
} from '../../../services/promotions/index.ts'
import { outbox } from '../../../shared/bus/schema.ts'
import { unique } from '../../helpers/broker.ts'
import { TestBrowser } from '../../helpers/browser.ts'
import {
  address,
  type SagaShop,
  shopper,
  startSagaShop,
  stockedProduct,
  TEST_CARDS,
  terminal,
} from '../../helpers/saga.ts'

let shop: SagaShop
const DAY = 86_400_000

beforeAll(async () => {
  // Every test registers shoppers from one address: more than the log-in rate limit lets through.
  shop = await startSagaShop({ AUTH_RATE_LIMIT_PER_MIN: '0' })
})

afterAll(() => shop.close())

const db = () => shop.platform.database.db

/** A coupon valid now unless the terms say otherwise; its code as created. */
async function coupon(terms: Partial<PromotionCreateInput> = {}): Promise<string> {
  const promotion = await createPromotion(db(), {
    code: unique('c')
      .replaceAll(/[^A-Za-z0-9]/g, '')
      .slice(-16),
    kind: 'percent',
    value: 10,
    endsAt: new Date(Date.now() + DAY).toISOString(),
    ...terms,
  })
  return promotion.code
}

interface Problem {
  errors?: { field: string; message: string }[]
}

interface Priced {
  subtotalMinor: number
  discountMinor: number
  totalMinor: number
  couponCode?: string
}

async function events(type: string, code: string) {
  const rows = await db()
    .select()
    .from(outbox)
    .where(and(eq(outbox.type, type), eq(outbox.key, code)))
  return rows.map((r) => JSON.parse(r.data) as { orderId: string; discountMinor: number })
}

async function counts() {
  const [o] = await db().select({ n: count() }).from(orders)
  const [s] = await db().select({ n: count() }).from(orderSagas)
  return { orders: o?.n, sagas: s?.n }
}

describe('a coupon at checkout', () => {
  test('takes its discount off the total, and the payment authorizes and captures the discounted amount', async () => {
    const code = await coupon({ kind: 'percent', value: 15 })
    const product = await stockedProduct(shop, 5, 999)
    const ada = await shopper(shop)
    const res = await ada.order({
      cardNumber: TEST_CARDS.ok,
      items: [{ productId: product.id, quantity: 1 }],
      couponCode: code.toLowerCase(),
    })
    expect(res.status).toBe(202)
    const { orderId } = (await res.json()) as { orderId: string }
    const view = await terminal(ada.get, orderId)
    expect(view.status).toBe('completed')
    // 15% of 9.99 is 1.4985, rounded down: 1.49 off, 8.50 to pay.
    expect(view as unknown as Priced).toMatchObject({
      subtotalMinor: 999,
      discountMinor: 149,
      totalMinor: 850,
      couponCode: code,
    })
    expect(await paymentOf(db(), orderId)).toMatchObject({ status: 'captured', amountMinor: 850 })
    expect(await events('coupon.redeemed', code)).toEqual([
      expect.objectContaining({ orderId, discountMinor: 149 }),
    ])
    expect(await getPromotion(db(), code)).toMatchObject({ uses: 1 })
    // What order-events says of the order: the lines at their prices, the coupon, what is charged.
    const [created] = await db()
      .select()
      .from(outbox)
      .where(and(eq(outbox.type, 'order.created'), eq(outbox.key, orderId)))
    expect(JSON.parse(created?.data ?? '{}')).toMatchObject({
      items: [{ productId: product.id, quantity: 1, priceMinor: 999 }],
      couponCode: code,
      discountMinor: 149,
      totalMinor: 850,
    })
  })

  test('a fixed amount is capped at the subtotal', async () => {
    const code = await coupon({ kind: 'fixed', value: 5000, currency: 'EUR' })
    const product = await stockedProduct(shop, 5, 1500)
    const ada = await shopper(shop)
    const res = await ada.order({
      cardNumber: TEST_CARDS.ok,
      items: [{ productId: product.id, quantity: 2 }],
      couponCode: code,
    })
    const { orderId } = (await res.json()) as { orderId: string }
    expect((await ada.get(orderId)) as unknown as Priced).toMatchObject({
      subtotalMinor: 3000,
      discountMinor: 3000,
      totalMinor: 0,
    })
  })

  test('an expired, not yet valid, stopped or unknown coupon is a 400 on couponCode, and no order or saga starts', async () => {
    const now = Date.now()
    const expired = await coupon({
      startsAt: new Date(now - 2 * DAY).toISOString(),
      endsAt: new Date(now - DAY).toISOString(),
    })
    const early = await coupon({
      startsAt: new Date(now + DAY).toISOString(),
      endsAt: new Date(now + 2 * DAY).toISOString(),
    })
    const stopped = await coupon({ active: false })
    const product = await stockedProduct(shop, 5)
    const ada = await shopper(shop)
    const before = await counts()
    const refusals: Record<string, string> = {}
    for (const code of [expired, early, stopped, 'NO-SUCH-COUPON']) {
      const res = await ada.order({
        cardNumber: TEST_CARDS.ok,
        items: [{ productId: product.id, quantity: 1 }],
        couponCode: code,
      })
      expect(res.status).toBe(400)
      const [error, ...more] = ((await res.json()) as Problem).errors ?? []
      expect(more).toEqual([])
      expect(error?.field).toBe('couponCode')
      refusals[code] = error?.message ?? ''
    }
    expect(refusals[expired]).toStartWith('This coupon expired on ')
    expect(refusals[early]).toStartWith('This coupon is valid from ')
    expect(refusals[stopped]).toBe('This coupon is no longer valid')
    expect(refusals['NO-SUCH-COUPON']).toBe('There is no coupon NO-SUCH-COUPON')
    expect(await counts()).toEqual(before)
  })

  test('the same order sent twice with its key takes one use', async () => {
    const code = await coupon({ maxUses: 5 })
    const product = await stockedProduct(shop, 5)
    const ada = await shopper(shop)
    const body = {
      cardNumber: TEST_CARDS.ok,
      items: [{ productId: product.id, quantity: 1 }],
      couponCode: code,
    }
    const key = crypto.randomUUID()
    const answers = await Promise.all([ada.order(body, key), ada.order(body, key)])
    const ids = await Promise.all(
      answers.map(async (r) => ((await r.json()) as { orderId: string }).orderId),
    )
    expect(new Set(ids).size).toBe(1)
    expect(await getPromotion(db(), code)).toMatchObject({ uses: 1 })
  })
})

describe('a coupon’s limits', () => {
  test('orders racing for the last uses: exactly as many succeed as the coupon allows', async () => {
    const code = await coupon({ maxUses: 2 })
    const product = await stockedProduct(shop, 20)
    const shoppers = await Promise.all(Array.from({ length: 6 }, () => shopper(shop)))
    const answers = await Promise.all(
      shoppers.map((s) =>
        s.order({
          cardNumber: TEST_CARDS.ok,
          items: [{ productId: product.id, quantity: 1 }],
          couponCode: code,
        }),
      ),
    )
    const statuses = answers.map((r) => r.status).sort()
    expect(statuses).toEqual([202, 202, 400, 400, 400, 400])
    for (const refused of answers.filter((r) => r.status === 400))
      expect(((await refused.json()) as Problem).errors).toEqual([
        { field: 'couponCode', message: 'This coupon has been used up' },
      ])
    expect(await getPromotion(db(), code)).toMatchObject({ uses: 2, remainingUses: 0 })
    expect(await events('coupon.redeemed', code)).toHaveLength(2)
  })

  test('a customer may use it only as often as allowed; another customer still may', async () => {
    const code = await coupon({ maxUsesPerCustomer: 1 })
    const product = await stockedProduct(shop, 10)
    const ada = await shopper(shop)
    const line = { cardNumber: TEST_CARDS.ok, items: [{ productId: product.id, quantity: 1 }] }
    expect((await ada.order({ ...line, couponCode: code })).status).toBe(202)
    const again = await ada.order({ ...line, couponCode: code })
    expect(again.status).toBe(400)
    expect(((await again.json()) as Problem).errors).toEqual([
      { field: 'couponCode', message: 'You have already used this coupon' },
    ])
    const bob = await shopper(shop)
    expect((await bob.order({ ...line, couponCode: code })).status).toBe(202)
  })

  test('a cancelled order (a declined card) gives its use back, once, and the customer can use it again', async () => {
    const code = await coupon({ maxUses: 1, maxUsesPerCustomer: 1 })
    const product = await stockedProduct(shop, 5)
    const ada = await shopper(shop)
    const line = [{ productId: product.id, quantity: 1 }]
    const declined = await ada.order({
      cardNumber: TEST_CARDS.declined,
      items: line,
      couponCode: code,
    })
    const { orderId } = (await declined.json()) as { orderId: string }
    expect((await terminal(ada.get, orderId)).status).toBe('cancelled')
    expect(await redemptionOf(db(), orderId)).toMatchObject({ status: 'released' })
    expect(await events('coupon.released', code)).toEqual([expect.objectContaining({ orderId })])
    expect(await getPromotion(db(), code)).toMatchObject({ uses: 0, releasedUses: 1 })

    const retried = await ada.order({ cardNumber: TEST_CARDS.ok, items: line, couponCode: code })
    expect(retried.status).toBe(202)
    const second = ((await retried.json()) as { orderId: string }).orderId
    expect((await terminal(ada.get, second)).status).toBe('completed')
    expect(await getPromotion(db(), code)).toMatchObject({ uses: 1, releasedUses: 1 })
  })
})

describe('the checkout page', () => {
  async function shopperWithCart(productId: string) {
    const browser = new TestBrowser(shop.app)
    await browser.get('/cart')
    await browser.post('/cart/items', { productId, quantity: '2' })
    await browser.get('/register')
    await browser.post('/register', {
      name: 'Ada',
      email: `${unique('page')}@example.test`,
      password: 'correct horse battery',
    })
    await browser.get('/checkout')
    return browser
  }

  const form = (browser: TestBrowser, couponCode: string) => ({
    ...address,
    cardNumber: TEST_CARDS.ok,
    expiry: '12/39',
    cvc: '123',
    couponCode,
    idempotencyKey: browser.lastHtml.match(/name="idempotencyKey" value="([^"]+)"/)?.[1] ?? '',
  })

  test('shows an expired coupon’s refusal next to its field, the form kept filled in, and no order', async () => {
    const now = Date.now()
    const expired = await coupon({
      startsAt: new Date(now - 2 * DAY).toISOString(),
      endsAt: new Date(now - DAY).toISOString(),
    })
    const product = await stockedProduct(shop, 5)
    const browser = await shopperWithCart(product.id)
    expect(browser.lastHtml).toContain('name="couponCode"')
    const before = await counts()
    const res = await browser.post('/checkout', form(browser, expired.toLowerCase()))
    expect(res.status).toBe(400)
    const html = await res.text()
    expect(html).toMatch(
      /name="couponCode" value="[A-Z0-9]+" autocomplete="off" aria-invalid="true"/,
    )
    expect(html).toContain('<span class="error">This coupon expired on ')
    expect(html).toContain(`value="${address.street}"`)
    expect(await counts()).toEqual(before)
  })

  test('a valid coupon places the order and the order page shows the discount', async () => {
    const code = await coupon({ kind: 'fixed', value: 250, currency: 'EUR' })
    const product = await stockedProduct(shop, 5, 1000)
    const browser = await shopperWithCart(product.id)
    const res = await browser.post('/checkout', form(browser, code.toLowerCase()))
    expect(res.status).toBe(303)
    expect(browser.lastHtml).toContain(`Coupon ${code}: −€2.50`)
    expect(browser.lastHtml).toContain('Total: <strong>€17.50</strong>')
  })
})
