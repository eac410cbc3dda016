// The order saga when things go wrong, on a real broker and database file: a participant refuses,
// a participant never answers, the orchestrator restarts with deadlines already passed, and the
// orchestrator comes back after its participants answered. Each test runs its own shop: every
// shop's consumers use the same group names, so two shops at once would share their partitions.
import { afterEach, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import {
  consumers as inventoryConsumers,
  reservationsOf,
  stockOf,
} from '../../../services/inventory/index.ts'
import { listNotifications } from '../../../services/notifications/index.ts'
import { orderConsumers, sagaOf, startSagaDeadlines } from '../../../services/orders/index.ts'
import { orders } from '../../../services/orders/schema.ts'
import {
  PAYMENTS_GROUP,
  consumers as paymentConsumers,
  paymentOf,
} from '../../../services/payments/index.ts'
import { shipmentOf } from '../../../services/shipping/index.ts'
import { commandReplies } from '../../../shared/bus/schema.ts'
import type { ConsumedRecord } from '../../../shared/bus/types.ts'
import type { ConsumerDefinition } from '../../../shared/consumers/define.ts'
import { eventually } from '../../helpers/broker.ts'
import {
  address,
  type OrderView,
  type SagaShop,
  shopper,
  startSagaShop,
  stockedProduct,
  TEST_CARDS,
  terminal,
} from '../../helpers/saga.ts'
import { readTopicSince } from '../../helpers/shop.ts'

/** Timings small enough that a step times out, is retried and gives up within a second. */
const FAST_TIMEOUTS = {
  SAGA_STEP_TIMEOUT_MS: '300',
  SAGA_STEP_ATTEMPTS: '2',
  SAGA_RETRY_BACKOFF_MS: '50',
  SAGA_TIMEOUT_POLL_MS: '25',
}

const INVENTORY_COMMANDS = 'inventory-commands'

/** Whatever a test started, stopped after it even when it failed, newest first. */
const cleanups: (() => Promise<void>)[] = []

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})

async function openShop(...args: Parameters<typeof startSagaShop>): Promise<SagaShop> {
  const shop = await startSagaShop(...args)
  cleanups.push(() => shop.close())
  return shop
}

/**
 * Moves a group that is not running to the end of its topic, so that when it starts it reads this
 * test's records only (the run's broker holds every earlier test's commands).
 */
async function fromNow(shop: SagaShop, definitions: ConsumerDefinition[]): Promise<void> {
  for (const d of definitions) await shop.platform.bus.seek(d.group, d.topic, 'latest')
}

const stepsOf = (view: OrderView) => view.history.map((h) => `${h.step}:${h.outcome}`)
const countOf = (view: OrderView, step: string) => stepsOf(view).filter((s) => s === step).length

/** The history from the first time `step` started on. */
function from(view: OrderView, step: string): string[] {
  const steps = stepsOf(view)
  return steps.slice(steps.indexOf(`${step}:started`))
}

describe('order saga faults', () => {
  test('a refused shipment compensates in reverse: stock released, payment voided, shopper told', async () => {
    const shop = await openShop({ SHIPPING_FAILURE_RATE: '1' })
    const db = shop.platform.database.db
    const product = await stockedProduct(shop, 5)
    const ada = await shopper(shop)
    const orderId = await ada.place(TEST_CARDS.ok, [{ productId: product.id, quantity: 2 }])

    const view = await terminal(ada.get, orderId)
    expect(view).toMatchObject({
      status: 'cancelled',
      reason: 'shipping_unavailable',
      message: 'No carrier can deliver this order right now.',
    })
    expect(stepsOf(view).slice(-6)).toEqual([
      'create_shipment:failed',
      'release_inventory:started',
      'release_inventory:compensated',
      'void_payment:started',
      'void_payment:compensated',
      'cancelled:succeeded',
    ])
    expect(await stockOf(db, product.id)).toMatchObject({ available: 5, reserved: 0 })
    expect((await reservationsOf(db, orderId)).map((r) => r.status)).toEqual(['released'])
    expect((await paymentOf(db, orderId))?.status).toBe('voided')
    expect(await shipmentOf(db, orderId)).toBeNull()
    const userId = (await sagaOf(db, orderId)).saga?.userId ?? ''
    const notes = await eventually(async () => {
      const list = await listNotifications(db, userId, 10)
      return list.length > 0 ? list : undefined
    })
    expect(notes).toMatchObject([
      {
        orderId,
        kind: 'order_cancelled',
        body: 'No carrier can deliver this order right now.',
      },
    ])
  })

  test('inventory never answering: the reservation times out, its release is retried until inventory is back, and only then is the payment voided', async () => {
    const shop = await openShop(FAST_TIMEOUTS, { skip: (g) => g === INVENTORY_COMMANDS })
    const db = shop.platform.database.db
    const commands = inventoryConsumers.filter((c) => c.group === INVENTORY_COMMANDS)
    expect(commands).toHaveLength(1)
    await fromNow(shop, commands)
    const product = await stockedProduct(shop, 5)
    const ada = await shopper(shop)
    const orderId = await ada.place(TEST_CARDS.ok, [{ productId: product.id, quantity: 2 }])

    const stuck = await eventually(
      async () => {
        const view = await ada.get(orderId)
        return countOf(view, 'release_inventory:retried') >= 2 ? view : undefined
      },
      15_000,
      'the release to be retried twice',
    )
    expect(stuck).toMatchObject({ status: 'compensating', reason: 'inventory_timeout' })
    expect(from(stuck, 'reserve_inventory').slice(0, 7)).toEqual([
      'reserve_inventory:started',
      'reserve_inventory:timed_out',
      'reserve_inventory:retried',
      'reserve_inventory:timed_out',
      'release_inventory:started',
      'release_inventory:timed_out',
      'release_inventory:retried',
    ])
    // Compensation runs in reverse: the authorization is voided only once the stock is released.
    expect(stepsOf(stuck).some((s) => s.startsWith('void_payment'))).toBe(false)
    expect((await paymentOf(db, orderId))?.status).toBe('authorized')

    // Inventory comes back and reads what it missed: the reservation (late, the saga gave up on
    // it), then the release, which the saga was waiting for.
    await shop.platform.consumers.start(commands)
    const view = await terminal(ada.get, orderId)
    expect(view).toMatchObject({ status: 'cancelled', reason: 'inventory_timeout' })
    expect(stepsOf(view).slice(-4)).toEqual([
      'release_inventory:compensated',
      'void_payment:started',
      'void_payment:compensated',
      'cancelled:succeeded',
    ])
    expect(await stockOf(db, product.id)).toMatchObject({ available: 5, reserved: 0 })
    expect((await reservationsOf(db, orderId)).map((r) => r.status)).toEqual(['released'])
    expect((await paymentOf(db, orderId))?.status).toBe('voided')
  })

  test('a restarted orchestrator acts on a deadline stored before it started', async () => {
    const shop = await openShop(FAST_TIMEOUTS, { skip: (g) => g === PAYMENTS_GROUP })
    const db = shop.platform.database.db
    // The orchestrator that placed the order is gone: nothing watches its deadlines.
    await shop.deadlines.stop()
    const payments = paymentConsumers(shop.platform.config)
    await fromNow(shop, payments)
    const product = await stockedProduct(shop, 5)
    const ada = await shopper(shop)
    const orderId = await ada.place(TEST_CARDS.ok, [{ productId: product.id, quantity: 1 }])

    // Twice the step's timeout: the deadline has passed, and nothing acted on it.
    await Bun.sleep(600)
    const { saga } = await sagaOf(db, orderId)
    expect(saga?.deadlineAt).toBeLessThan(Date.now())
    expect(stepsOf(await ada.get(orderId))).toEqual([
      'validate:succeeded',
      'authorize_payment:started',
    ])

    const restarted = startSagaDeadlines(db, shop.platform.config)
    cleanups.push(() => restarted.stop())
    const stuck = await eventually(
      async () => {
        const view = await ada.get(orderId)
        return countOf(view, 'void_payment:retried') >= 1 ? view : undefined
      },
      15_000,
      'the void to be retried',
    )
    expect(stuck).toMatchObject({ status: 'compensating', reason: 'payment_timeout' })
    expect(from(stuck, 'authorize_payment').slice(0, 7)).toEqual([
      'authorize_payment:started',
      'authorize_payment:timed_out',
      'authorize_payment:retried',
      'authorize_payment:timed_out',
      'void_payment:started',
      'void_payment:timed_out',
      'void_payment:retried',
    ])
    expect(await paymentOf(db, orderId)).toBeNull()

    // The payment provider comes back: the late authorization, then the void that undoes it.
    await shop.platform.consumers.start(payments)
    const view = await terminal(ada.get, orderId)
    expect(view).toMatchObject({ status: 'cancelled', reason: 'payment_timeout' })
    expect(stepsOf(view).slice(-2)).toEqual(['void_payment:compensated', 'cancelled:succeeded'])
    expect((await paymentOf(db, orderId))?.status).toBe('voided')
    expect(await stockOf(db, product.id)).toMatchObject({ available: 5, reserved: 0 })
    expect(await shipmentOf(db, orderId)).toBeNull()
  })

  test('an orchestrator back from a crash resumes from the answers waiting for it: one capture, one shipment', async () => {
    const since = Date.now()
    // A step timeout far beyond the test: the saga moves on by its answers, not by its timers.
    const shop = await openShop(
      { SAGA_STEP_TIMEOUT_MS: '60000' },
      { skip: (g) => g.startsWith('orders-') },
    )
    const db = shop.platform.database.db
    await shop.deadlines.stop()
    const orchestrator = orderConsumers(shop.platform.config)
    expect(orchestrator.map((c) => c.group).sort()).toEqual([
      'orders-inventory-events',
      'orders-payment-events',
      'orders-shipping-events',
    ])
    await fromNow(shop, orchestrator)
    const product = await stockedProduct(shop, 5)
    const ada = await shopper(shop)
    const orderId = await ada.place(TEST_CARDS.ok, [{ productId: product.id, quantity: 2 }])

    await eventually(
      async () => (await paymentOf(db, orderId))?.status === 'authorized',
      15_000,
      'the payment to be authorized',
    )
    const waiting = await ada.get(orderId)
    expect(waiting.status).toBe('payment_authorizing')
    expect(stepsOf(waiting)).toEqual(['validate:succeeded', 'authorize_payment:started'])

    const deadlines = startSagaDeadlines(db, shop.platform.config)
    cleanups.push(() => deadlines.stop())
    await shop.platform.consumers.start(orchestrator)
    const view = await terminal(ada.get, orderId)
    expect(view.status).toBe('completed')
    expect(stepsOf(view).slice(1)).toEqual([
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
    expect(await paymentOf(db, orderId)).toMatchObject({
      status: 'captured',
      amountMinor: 2 * product.priceMinor,
    })
    expect(await shipmentOf(db, orderId)).toMatchObject({ status: 'created' })
    expect(await stockOf(db, product.id)).toMatchObject({ available: 3, reserved: 2 })

    // Exactly one capture asked for and made, on the log as in the participant's records.
    const ofOrder = (type: string) => (records: ConsumedRecord[]) =>
      records.filter((r) => r.key === orderId && r.headers.ce_type === type)
    const log = await readTopicSince(
      shop.platform.bus,
      'payment-events',
      since,
      (rs) => ofOrder('payment.captured')(rs).length >= 1,
    )
    expect(ofOrder('payment.capture_requested')(log)).toHaveLength(1)
    expect(ofOrder('payment.captured')(log)).toHaveLength(1)
    const replies = await db
      .select()
      .from(commandReplies)
      .where(eq(commandReplies.orderId, orderId))
    expect(replies.map((r) => `${r.participant}:${r.replyType}`).sort()).toEqual([
      'inventory:inventory.reserved',
      'payments:payment.authorized',
      'payments:payment.captured',
      'shipping:shipment.created',
    ])
  })

  test('past SAGA_MAX_IN_FLIGHT sagas under way, a new order is a 503 with Retry-After and nothing written; a repeat of an accepted one still answers', async () => {
    // Payments never answers: the first two sagas stay under way.
    const shop = await openShop(
      { SAGA_MAX_IN_FLIGHT: '2' },
      { skip: (group) => group === PAYMENTS_GROUP },
    )
    const { db } = shop.platform.database
    const product = await stockedProduct(shop, 10)
    const ada = await shopper(shop)
    const lines = [{ productId: product.id, quantity: 1 }]
    const body = { cardNumber: TEST_CARDS.ok, items: lines }
    const first = await ada.order(body, 'busy-key-1')
    expect(first.status).toBe(202)
    const { orderId } = (await first.json()) as { orderId: string }
    expect((await ada.order(body, 'busy-key-2')).status).toBe(202)

    const refused = await ada.order(body, 'busy-key-3')
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('5')
    expect(await refused.json()).toMatchObject({ code: 'ORDERS_BUSY' })
    const placed = await db.select({ id: orders.id }).from(orders)
    expect(placed).toHaveLength(2)
    // The same key and body as an accepted order is that order, busy or not.
    const again = await ada.order(body, 'busy-key-1')
    expect(again.status).toBe(202)
    expect(((await again.json()) as { orderId: string }).orderId).toBe(orderId)

    // At checkout, the form comes back with the message, filled in, under the same key.
    const form = ada.browser
    await form.post('/cart/items', { productId: product.id })
    await form.get('/checkout')
    const key = form.lastHtml.match(/name="idempotencyKey" value="([^"]+)"/)?.[1] ?? ''
    const page = await form.post('/checkout', {
      ...address,
      cardNumber: TEST_CARDS.ok,
      expiry: '12/39',
      cvc: '123',
      idempotencyKey: key,
    })
    expect(page.status).toBe(503)
    expect(form.lastHtml).toContain('please try again in a moment')
    expect(form.lastHtml).toContain(`value="${key}"`)
    expect(form.lastHtml).toContain('value="1 Analytical Way"')
    expect(await db.select({ id: orders.id }).from(orders)).toHaveLength(2)
  })
})
