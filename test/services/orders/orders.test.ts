import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { seedCatalog } from '../../../services/catalog/demo-catalog.ts'
import { listProducts } from '../../../services/catalog/products.ts'
import { orders } from '../../../services/orders/schema.ts'
import { outbox } from '../../../shared/bus/schema.ts'
import { unique } from '../../helpers/broker.ts'
import { TestBrowser } from '../../helpers/browser.ts'
import { startTestShop, type TestShop } from '../../helpers/shop.ts'

let shop: TestShop
let productIds: string[] = []

beforeAll(async () => {
  shop = await startTestShop()
  await seedCatalog(shop.platform.database.db)
  const inStock = (await listProducts(shop.platform.database.db, { pageSize: 50 })).items.filter(
    (p) => p.stock > 5,
  )
  productIds = inStock.slice(0, 2).map((p) => p.id)
})

afterAll(() => shop.close())

const checkout = {
  name: 'Ada Lovelace',
  street: '1 Analytical Way',
  city: 'London',
  postalCode: 'N1 9GU',
  country: 'United Kingdom',
  cardNumber: '4242 4242 4242 4242',
  expiry: '12/39',
  cvc: '123',
}

async function shopperWithCart() {
  const browser = new TestBrowser(shop.app)
  await browser.get('/cart')
  for (const productId of productIds)
    await browser.post('/cart/items', { productId, quantity: '1' })
  await browser.get('/register')
  await browser.post('/register', {
    name: 'Ada',
    email: `${unique('buyer')}@example.test`,
    password: 'correct horse battery',
  })
  return browser
}

function idempotencyKeyOn(html: string): string {
  return html.match(/name="idempotencyKey" value="([^"]+)"/)?.[1] ?? ''
}

describe('checkout', () => {
  test('a guest is sent to log in first', async () => {
    const res = await new TestBrowser(shop.app).request('/checkout', {}, false)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/login?next=%2Fcheckout')
  })

  test('places the order once per form, empties the cart and publishes order.created and the saga’s first command', async () => {
    const browser = await shopperWithCart()
    await browser.get('/checkout')
    const key = idempotencyKeyOn(browser.lastHtml)
    expect(key).not.toBe('')
    const first = await browser.post('/checkout', { ...checkout, idempotencyKey: key })
    expect(first.status).toBe(303)
    const orderPath = first.headers.get('location') ?? ''
    expect(orderPath).toMatch(/^\/orders\/[0-9a-f-]{36}$/)
    // The saga starts with the order: its first step is authorizing the payment.
    expect(browser.lastHtml).toContain(
      'Status: <strong class="order-status">Authorizing your payment</strong>',
    )
    expect(browser.lastHtml).toContain('card ending 4242')
    // The same form again (a double click): the same order, not a second one.
    const again = await browser.post('/checkout', { ...checkout, idempotencyKey: key })
    expect(again.headers.get('location')).toBe(orderPath)
    const orderId = orderPath.split('/').at(-1) ?? ''
    const [order] = await shop.platform.database.db
      .select()
      .from(orders)
      .where(eq(orders.id, orderId))
    expect(order?.items.map((i) => i.productId).sort()).toEqual([...productIds].sort())
    expect(
      (
        await shop.platform.database.db
          .select()
          .from(orders)
          .where(eq(orders.userId, order?.userId ?? ''))
      ).length,
    ).toBe(1)
    expect(await (await browser.get('/cart')).text()).toContain('Your cart is empty')
    const created = await shop.platform.database.db
      .select()
      .from(outbox)
      .where(eq(outbox.key, orderId))
    expect(created.map((e) => e.type)).toEqual([
      'order.created',
      'payment.authorization_requested',
      'order.status_updated',
    ])
    const purchases = await shop.platform.database.db
      .select()
      .from(outbox)
      .where(eq(outbox.type, 'product.purchased'))
    // Purchases join the shopper's history when the saga completes the order, not before.
    expect(purchases.filter((e) => e.key === order?.userId)).toHaveLength(0)
    expect(await (await browser.get('/orders')).text()).toContain(orderPath)
  })

  test('bad address or card details come back with the fields named, and nothing is ordered', async () => {
    const browser = await shopperWithCart()
    await browser.get('/checkout')
    const res = await browser.post('/checkout', {
      ...checkout,
      cardNumber: '4242 4242 4242 4241',
      expiry: '01/20',
      city: '',
      idempotencyKey: idempotencyKeyOn(browser.lastHtml),
    })
    expect(res.status).toBe(400)
    const html = await res.text()
    expect(html).toContain('That card number is not valid')
    expect(html).toContain('The card has expired')
    expect(html).toContain('Enter the city')
    expect(await (await browser.get('/orders')).text()).toContain('No orders yet')
  })

  test('someone else’s order is not found', async () => {
    const buyer = await shopperWithCart()
    await buyer.get('/checkout')
    const placed = await buyer.post('/checkout', {
      ...checkout,
      idempotencyKey: idempotencyKeyOn(buyer.lastHtml),
    })
    const other = await shopperWithCart()
    expect((await other.get(placed.headers.get('location') ?? '')).status).toBe(404)
  })
})

describe('POST /api/orders', () => {
  test('needs an Idempotency-Key, answers 202 once per key, and GET shows the status and history', async () => {
    const browser = await shopperWithCart()
    const post = (key?: string) =>
      browser.json('POST', '/api/orders', checkout, key ? { 'idempotency-key': key } : {})
    const missing = await post()
    expect(missing.status).toBe(400)
    expect(await missing.json()).toMatchObject({ errors: [{ field: 'Idempotency-Key' }] })
    const key = crypto.randomUUID()
    const first = await post(key)
    expect(first.status).toBe(202)
    const body = (await first.json()) as { orderId: string; status: string }
    expect(body.status).toBe('payment_authorizing')
    expect(await (await post(key)).json()).toEqual(body)
    const got = await browser.request(`/api/orders/${body.orderId}`, {
      headers: { accept: 'application/json' },
    })
    expect(await got.json()).toMatchObject({
      orderId: body.orderId,
      status: 'payment_authorizing',
      history: [
        { step: 'validate', outcome: 'succeeded' },
        { step: 'authorize_payment', outcome: 'started' },
      ],
    })
  })
})
