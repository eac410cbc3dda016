// The admin's view of the sagas, on real sagas run over the broker: which are under way, which
// completed, which failed with nothing to undo and which were compensated, with their durations
// and one saga's timeline. Each shop runs alone: shops share the saga's group names.
import { afterEach, describe, expect, test } from 'bun:test'
import { listSagas, sagaOverview, sagaTimeline } from '../../../services/orders/index.ts'
import { eventually } from '../../helpers/broker.ts'
import {
  type SagaShop,
  shopper,
  startSagaShop,
  stockedProduct,
  TEST_CARDS,
  terminal,
} from '../../helpers/saga.ts'

let shop: SagaShop | null = null

afterEach(async () => {
  await shop?.close()
  shop = null
})

describe('saga queries', () => {
  test('tell completed, failed and compensated sagas apart, with durations, reasons and timelines', async () => {
    shop = await startSagaShop()
    const { db } = shop.platform.database
    const before = Date.now()
    const scarce = await stockedProduct(shop, 1)
    const plenty = await stockedProduct(shop, 10)
    const buyer = await shopper(shop)
    const line = (productId: string, quantity = 1) => [{ productId, quantity }]
    const completed = await buyer.place(TEST_CARDS.ok, line(plenty.id))
    const declined = await buyer.place(TEST_CARDS.declined, line(plenty.id))
    // More than there is: authorized, then out of stock, so the payment is voided.
    const outOfStock = await buyer.place(TEST_CARDS.ok, line(scarce.id, 2))
    for (const id of [completed, declined, outOfStock]) await terminal(buyer.get, id)

    const overview = await sagaOverview(db, { from: before })
    expect(overview.counts).toEqual({
      in_flight: 0,
      compensating: 0,
      completed: 1,
      failed: 1,
      compensated: 1,
    })
    expect(overview.reasons).toEqual([
      { reason: 'card_declined', count: 1 },
      { reason: 'out_of_stock', count: 1 },
    ])
    expect(overview.oldestInFlight).toBeNull()
    const done = overview.durations.completed
    expect(done.count).toBe(1)
    expect(done.p50Ms).toBeGreaterThan(0)
    expect(done.p50Ms).toBe(done.maxMs)
    // Nothing placed before the range counts.
    expect((await sagaOverview(db, { to: before })).counts.completed).toBe(0)

    const states = new Map((await listSagas(db, { from: before })).map((s) => [s.orderId, s]))
    expect(states.get(completed)?.progress).toBe('completed')
    expect(states.get(declined)?.progress).toBe('failed')
    expect(states.get(declined)?.reason).toBe('card_declined')
    expect(states.get(outOfStock)?.progress).toBe('compensated')
    const onlyCompensated = await listSagas(db, { from: before, progress: 'compensated' })
    expect(onlyCompensated.map((s) => s.orderId)).toEqual([outOfStock])

    const timeline = await sagaTimeline(db, outOfStock)
    expect(timeline?.steps.map((s) => `${s.step} ${s.outcome}`)).toEqual([
      'validate succeeded',
      'authorize_payment started',
      'authorize_payment succeeded',
      'reserve_inventory started',
      'reserve_inventory failed',
      'void_payment started',
      'void_payment compensated',
      'cancelled succeeded',
    ])
    const reserve = timeline?.steps.find(
      (s) => s.step === 'reserve_inventory' && s.outcome === 'failed',
    )
    const started = timeline?.steps.find((s) => s.step === 'reserve_inventory')
    expect(reserve?.durationMs).toBe((reserve?.at ?? 0) - (started?.at ?? 0))
    expect(timeline?.saga.durationMs).toBe(
      (timeline?.saga.finishedAt ?? 0) - (timeline?.saga.createdAt ?? 0),
    )
    expect(await sagaTimeline(db, 'no-such-order')).toBeNull()
  })

  test('show a saga stuck on a silent participant as in flight, then compensating', async () => {
    // Shipping never answers: the saga waits at create_shipment, times out, and keeps trying to
    // cancel the shipment that may exist.
    shop = await startSagaShop(
      {
        SAGA_STEP_TIMEOUT_MS: '1500',
        SAGA_STEP_ATTEMPTS: '1',
        SAGA_RETRY_BACKOFF_MS: '50',
        SAGA_TIMEOUT_POLL_MS: '25',
      },
      { skip: (group) => group === 'shipping' },
    )
    const { db } = shop.platform.database
    const before = Date.now()
    const product = await stockedProduct(shop, 5)
    const buyer = await shopper(shop)
    const orderId = await buyer.place(TEST_CARDS.ok, [{ productId: product.id, quantity: 1 }])
    const waiting = await eventually(async () => {
      const [saga] = await listSagas(db, { from: before })
      return saga?.step === 'create_shipment' ? saga : undefined
    }, 20_000)
    expect(waiting.progress).toBe('in_flight')
    const overview = await sagaOverview(db, { from: before })
    expect(overview.counts.in_flight).toBe(1)
    expect(overview.oldestInFlight?.orderId).toBe(orderId)
    expect(overview.oldestInFlight?.step).toBe('create_shipment')

    const undoing = await eventually(async () => {
      const [saga] = await listSagas(db, { from: before, progress: 'compensating' })
      return saga
    }, 20_000)
    expect(undoing.orderId).toBe(orderId)
    expect(undoing.step).toBe('cancel_shipment')
    expect((await sagaOverview(db, { from: before })).counts).toMatchObject({
      in_flight: 0,
      compensating: 1,
    })
  })
})
