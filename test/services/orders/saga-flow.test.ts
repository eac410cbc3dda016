// The order saga end to end on a real broker: POST /api/orders, the orchestrator and every
// participant talking through their topics, to a completed or cancelled order.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { stockOf } from '../../../services/inventory/index.ts'
import { listNotifications } from '../../../services/notifications/index.ts'
import { orders } from '../../../services/orders/schema.ts'
import { paymentOf } from '../../../services/payments/index.ts'
import { shipmentOf } from '../../../services/shipping/index.ts'
import { commandReplies, outbox } from '../../../shared/bus/schema.ts'
import { eventually } from '../../helpers/broker.ts'
import {
  type SagaShop,
  shopper,
  startSagaShop,
  stockedProduct,
  TEST_CARDS,
  terminal,
} from '../../helpers/saga.ts'

let shop: SagaShop

beforeAll(async () => {
  shop = await startSagaShop()
})

afterAll(() => shop.close())

const db = () => shop.platform.database.db

describe('order saga', () => {
  test('completes an order: authorized, reserved, shipped, captured, with the steps in its history', async () => {
    const product = await stockedProduct(shop, 5, 1500)
    const ada = await shopper(shop)
    const orderId = await ada.place(TEST_CARDS.ok, [{ productId: product.id, quantity: 2 }])
    const view = await terminal(ada.get, orderId)
    expect(view.status).toBe('completed')
    const steps = view.history.map((h) => `${h.step}:${h.outcome}`)
    expect(steps).toEqual([
      'validate:succeeded',
      'authorize_payment:started',
      'authorize_payment:succeeded',
      'reserve_inventory:started',
      'reserve_inventory:succeeded',
      'create_shipment:started',
      'create_shipment:succeeded',
      'capture_payment:started',
      'capture_payment:succeeded',
      'completed:succeeded',
    ])
    expect(await stockOf(db(), product.id)).toMatchObject({ available: 3, reserved: 2 })
    expect(await paymentOf(db(), orderId)).toMatchObject({ status: 'captured', amountMinor: 3000 })
    expect(await shipmentOf(db(), orderId)).toMatchObject({ status: 'created' })
    const userId = (await paymentOf(db(), orderId))?.userId ?? ''
    const notes = await eventually(async () => {
      const list = await listNotifications(db(), userId, 10)
      return list.length > 0 ? list : undefined
    })
    expect(notes.map((n) => n.kind)).toEqual(['order_confirmed'])
    const bought = await db()
      .select()
      .from(outbox)
      .where(and(eq(outbox.type, 'product.purchased'), eq(outbox.key, userId)))
    expect(bought.map((e) => JSON.parse(e.data).quantity)).toEqual([2])
  })

  test('a declined card cancels with the decline, and nothing is reserved', async () => {
    const product = await stockedProduct(shop, 5)
    const ada = await shopper(shop)
    const orderId = await ada.place(TEST_CARDS.declined, [{ productId: product.id, quantity: 1 }])
    const view = await terminal(ada.get, orderId)
    expect(view).toMatchObject({
      status: 'cancelled',
      reason: 'card_declined',
      message: expect.stringContaining('declined'),
    })
    expect(await stockOf(db(), product.id)).toMatchObject({ available: 5, reserved: 0 })
    expect((await paymentOf(db(), orderId))?.status).toBe('declined')
    const bought = await db().select().from(outbox).where(eq(outbox.type, 'product.purchased'))
    expect(bought.filter((e) => JSON.parse(e.data).orderId === orderId)).toEqual([])
    expect(await shipmentOf(db(), orderId)).toBeNull()
  })

  test('a card with insufficient funds is cancelled with that reason', async () => {
    const product = await stockedProduct(shop, 5)
    const ada = await shopper(shop)
    const orderId = await ada.place(TEST_CARDS.insufficientFunds, [
      { productId: product.id, quantity: 1 },
    ])
    expect(await terminal(ada.get, orderId)).toMatchObject({
      status: 'cancelled',
      reason: 'insufficient_funds',
    })
  })

  test('not enough stock compensates: the authorization is voided, the order cancelled out_of_stock', async () => {
    const product = await stockedProduct(shop, 3)
    const ada = await shopper(shop)
    const orderId = await ada.place(TEST_CARDS.ok, [{ productId: product.id, quantity: 4 }])
    const view = await terminal(ada.get, orderId)
    expect(view).toMatchObject({ status: 'cancelled', reason: 'out_of_stock' })
    expect(view.history.map((h) => `${h.step}:${h.outcome}`).slice(-4)).toEqual([
      'reserve_inventory:failed',
      'void_payment:started',
      'void_payment:compensated',
      'cancelled:succeeded',
    ])
    expect((await paymentOf(db(), orderId))?.status).toBe('voided')
    expect(await stockOf(db(), product.id)).toMatchObject({ available: 3, reserved: 0 })
  })

  test('the same Idempotency-Key and body returns the same order; another body is a 409', async () => {
    const product = await stockedProduct(shop, 5)
    const ada = await shopper(shop)
    const body = { cardNumber: TEST_CARDS.ok, items: [{ productId: product.id, quantity: 1 }] }
    const key = crypto.randomUUID()
    const first = await ada.order(body, key)
    const again = await ada.order(body, key)
    expect(first.status).toBe(202)
    expect(again.status).toBe(202)
    const { orderId } = (await first.json()) as { orderId: string }
    expect(((await again.json()) as { orderId: string }).orderId).toBe(orderId)
    const other = await ada.order({ ...body, items: [{ productId: product.id, quantity: 2 }] }, key)
    expect(other.status).toBe(409)
    expect(other.headers.get('content-type')).toContain('application/problem+json')
    expect(await other.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' })
    // What the key is bound to keeps no trace of the card number: two ordinary cards ending in the
    // same four digits are one request, and no column holds the number or a hash over it.
    const ordinary = { ...body, cardNumber: '4111 1111 1111 1111' }
    const otherKey = crypto.randomUUID()
    const byOne = (await (await ada.order(ordinary, otherKey)).json()) as { orderId: string }
    const byOther = await ada.order({ ...ordinary, cardNumber: '5500 0000 0008 1111' }, otherKey)
    expect(byOther.status).toBe(202)
    expect(((await byOther.json()) as { orderId: string }).orderId).toBe(byOne.orderId)
    const [row] = await db().select().from(orders).where(eq(orders.id, byOne.orderId))
    expect(JSON.stringify(row)).not.toContain('4111111111111111')
    await terminal(ada.get, byOne.orderId)
    await terminal(ada.get, orderId)
    expect(await stockOf(db(), product.id)).toMatchObject({ available: 3, reserved: 2 })
  })

  test('bad orders are refused with 400 before any saga starts', async () => {
    const product = await stockedProduct(shop, 5)
    const ada = await shopper(shop)
    const unknown = await ada.order({
      cardNumber: TEST_CARDS.ok,
      items: [{ productId: 'no-such-product', quantity: 1 }],
    })
    expect(unknown.status).toBe(400)
    expect(await unknown.json()).toMatchObject({ errors: [{ field: 'items[0].productId' }] })
    const zero = await ada.order({
      cardNumber: TEST_CARDS.ok,
      items: [{ productId: product.id, quantity: 0 }],
    })
    expect(zero.status).toBe(400)
    expect(await zero.json()).toMatchObject({ errors: [{ field: 'items[0].quantity' }] })
    const empty = await ada.order({ cardNumber: TEST_CARDS.ok })
    expect(empty.status).toBe(400)
    expect(await empty.json()).toMatchObject({ code: 'EMPTY_CART' })
    const stalePrice = await ada.order({
      cardNumber: TEST_CARDS.ok,
      items: [{ productId: product.id, quantity: 1, priceMinor: product.priceMinor + 1 }],
    })
    expect(stalePrice.status).toBe(400)
    expect(await stockOf(db(), product.id)).toMatchObject({ available: 5, reserved: 0 })
  })

  test('every command was applied once by its participant', async () => {
    const rows = await db().select().from(commandReplies)
    const keys = rows.map((r) => `${r.participant}/${r.commandId}`)
    expect(rows.length).toBeGreaterThan(0)
    expect(new Set(keys).size).toBe(keys.length)
  })

  test('GET /api/orders/:id/stream sends the order again as its saga moves on', async () => {
    const product = await stockedProduct(shop, 5)
    const ada = await shopper(shop)
    const orderId = await ada.place(TEST_CARDS.ok, [{ productId: product.id, quantity: 1 }])
    const stream = await ada.browser.request(`/api/orders/${orderId}/stream`)
    expect(stream.headers.get('content-type')).toContain('text/event-stream')
    const seen: string[] = []
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    let buffer = ''
    while (!seen.includes('completed')) {
      const { value, done } = await reader.read()
      if (done) break
      buffer += decoder.decode(value, { stream: true })
      for (const match of buffer.matchAll(/^data: (.*)$/gm)) {
        const status = (JSON.parse(match[1] as string) as { status: string }).status
        if (seen.at(-1) !== status) seen.push(status)
      }
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1)
    }
    await reader.cancel()
    expect(seen.at(-1)).toBe('completed')
  })

  test('the order page follows the saga live, and the header counts the confirmation', async () => {
    const product = await stockedProduct(shop, 5)
    const ada = await shopper(shop)
    const orderId = await ada.place(TEST_CARDS.ok, [{ productId: product.id, quantity: 1 }])
    const page = await (await ada.browser.get(`/orders/${orderId}`)).text()
    expect(page).toContain('id="order-progress"')
    expect(page).toContain(`order%3A${orderId}`)
    const stream = await ada.browser.request(`/live?parts=order:${orderId},notifications`)
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    let text = ''
    const deadline = Date.now() + 20_000
    // Until the progress says completed and the header's count shows the confirmation.
    while (
      !(text.includes('data-status="completed"') && /notifications-link[\s\S]*?>1</.test(text)) &&
      Date.now() < deadline
    ) {
      const { value, done } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
    await reader.cancel()
    expect(text).toContain('hx-target="#order-progress"')
    expect(text).toContain('data-status="completed"')
    expect(text).toMatch(/notifications-link[\s\S]*?>1</)
    const list = await (await ada.browser.get('/notifications')).text()
    expect(list).toContain('Order confirmed')
    expect(ada.browser.lastHtml).toContain('Order confirmed')
  })

  test('someone else cannot follow an order', async () => {
    const product = await stockedProduct(shop, 5)
    const ada = await shopper(shop)
    const orderId = await ada.place(TEST_CARDS.ok, [{ productId: product.id, quantity: 1 }])
    const eve = await shopper(shop)
    expect((await eve.browser.request(`/live?parts=order:${orderId}`)).status).toBe(404)
    expect((await eve.browser.request(`/api/orders/${orderId}/stream`)).status).toBe(404)
  })
})
