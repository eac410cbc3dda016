// The saga's persistence: every transition is written — state, history and the command it sends —
// in one transaction, so a killed orchestrator resumes from its last step and never sends a command
// it did not record (or records one it did not send).
import { and, asc, eq, inArray, lte } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { commit } from '../../shared/bus/commit.ts'
import type { Db, Tx, Writer } from '../../shared/db/client.ts'
import { afterCommit } from '../../shared/db/transaction-scope.ts'
import { AppError } from '../../shared/errors.ts'
import { createEvent, type EventEnvelope } from '../../shared/events/envelope.ts'
import type { EventData } from '../../shared/events/types.ts'
import { releaseCoupon } from '../promotions/index.ts'
import type { SagaSettings, SagaState, Transition } from './saga.ts'
import { type Order, type OrderSaga, orderSagas, orderSteps, orders } from './schema.ts'

export const SOURCE = '/streamshop/orders'

/** Facts an answer carries that the saga keeps (the payment's and the shipment's ids). */
export interface AnswerFacts {
  paymentId?: string
  shipmentId?: string
}

const watchers = new Map<string, Set<() => void>>()

/** Calls `changed` after every committed step of this order's saga in this process. */
export function watchOrder(orderId: string, changed: () => void): () => void {
  let set = watchers.get(orderId)
  if (!set) {
    set = new Set()
    watchers.set(orderId, set)
  }
  set.add(changed)
  return () => {
    set.delete(changed)
    if (set.size === 0 && watchers.get(orderId) === set) watchers.delete(orderId)
  }
}

/** A page or stream re-reads an order at least this often: its saga may run in another process. */
const FOLLOW_POLL_MS = 1000

/**
 * Calls `changed` whenever the order's saga may have moved on: at once after a step taken in this
 * process, and every second for steps taken elsewhere (the orchestrator may run alone).
 */
export function followOrder(orderId: string, changed: () => void): () => void {
  const stop = watchOrder(orderId, changed)
  const poll = setInterval(changed, FOLLOW_POLL_MS)
  return () => {
    stop()
    clearInterval(poll)
  }
}

function announce(orderId: string): void {
  for (const changed of watchers.get(orderId) ?? []) changed()
}

/** The command a step sends, with what its participant needs to know of the order. */
function commandEvent(order: Order, send: NonNullable<Transition['send']>): EventEnvelope {
  const ref = { orderId: order.id, correlationId: order.correlationId, commandId: send.commandId }
  const items = order.items.map(({ productId, quantity }) => ({ productId, quantity }))
  const money = { amountMinor: order.totalMinor, currency: order.currency }
  const data: Record<string, unknown> = (() => {
    switch (send.command) {
      case 'payment.authorization_requested':
        return { ...ref, ...money, userId: order.userId, cardToken: order.cardToken }
      case 'payment.capture_requested':
        return { ...ref, ...money }
      case 'inventory.reservation_requested':
        return { ...ref, items }
      case 'shipment.creation_requested':
        return { ...ref, userId: order.userId, address: order.address, items }
      default:
        return ref
    }
  })()
  return createEvent(send.command, data as EventData<typeof send.command>, { source: SOURCE })
}

function statusEvent(order: Order, state: SagaState): EventEnvelope {
  return createEvent(
    'order.status_updated',
    {
      orderId: order.id,
      correlationId: order.correlationId,
      userId: order.userId,
      status: state.status,
      step: state.step ?? state.status,
      ...(state.reason ? { reason: state.reason } : {}),
      ...(state.message ? { message: state.message } : {}),
    },
    { source: SOURCE },
  )
}

/** A completed order's lines, for the shopper's history (what the recommender learns from). */
function purchases(order: Order): EventEnvelope[] {
  return order.items.map((item) =>
    createEvent(
      'product.purchased',
      {
        userId: order.userId,
        productId: item.productId,
        orderId: order.id,
        quantity: item.quantity,
        metadata: {},
      },
      { source: SOURCE },
    ),
  )
}

/**
 * The events a transition causes: its command, then the order's new status, and once the order is
 * completed, its purchases (a cancelled order bought nothing).
 */
function eventsOf(order: Order, transition: Transition): EventEnvelope[] {
  const events: EventEnvelope[] = []
  if (transition.send) events.push(commandEvent(order, transition.send))
  if (transition.statusChanged) events.push(statusEvent(order, transition.state))
  if (transition.statusChanged && transition.state.status === 'completed')
    events.push(...purchases(order))
  return events
}

function historyRows(orderId: string, transition: Transition, at: number) {
  return transition.history.map((h) => ({
    orderId,
    step: h.step,
    outcome: h.outcome,
    detail: h.detail ?? null,
    at,
  }))
}

function stateColumns(state: SagaState) {
  return {
    status: state.status,
    phase: state.phase,
    step: state.step,
    commandId: state.commandId,
    attempt: state.attempt,
    deadlineAt: state.deadlineAt,
    deadlineKind: state.deadlineKind,
    done: state.done,
    compensations: state.compensations,
    reason: state.reason,
    message: state.message,
  }
}

/** A new order's saga rows and first events, for placing the order in the same transaction. */
export function sagaStart(
  order: Order,
  transition: Transition,
  now: number,
): { statements: (w: Writer) => BatchItem<'sqlite'>[]; events: EventEnvelope[] } {
  return {
    statements: (w) => [
      w.insert(orderSagas).values({
        orderId: order.id,
        correlationId: order.correlationId,
        userId: order.userId,
        ...stateColumns(transition.state),
        createdAt: now,
        updatedAt: now,
      }),
      w.insert(orderSteps).values(historyRows(order.id, transition, now)),
    ],
    events: [
      createEvent(
        'order.created',
        {
          orderId: order.id,
          correlationId: order.correlationId,
          userId: order.userId,
          items: order.items.map(({ productId, quantity, priceMinor }) => ({
            productId,
            quantity,
            priceMinor,
          })),
          totalMinor: order.totalMinor,
          currency: order.currency,
          ...(order.couponCode
            ? { couponCode: order.couponCode, discountMinor: order.discountMinor }
            : {}),
          metadata: {},
        },
        { source: SOURCE },
      ),
      ...eventsOf(order, transition),
    ],
  }
}

export function stateOf(row: OrderSaga): SagaState {
  return {
    orderId: row.orderId,
    status: row.status,
    phase: row.phase,
    step: row.step as SagaState['step'],
    commandId: row.commandId,
    attempt: row.attempt,
    deadlineAt: row.deadlineAt,
    deadlineKind: row.deadlineKind,
    done: row.done as SagaState['done'],
    compensations: row.compensations as SagaState['compensations'],
    reason: row.reason,
    message: row.message,
  }
}

/** Another writer moved the saga on between our read and our write: read again and retry. */
export class SagaRaceError extends AppError {
  constructor(orderId: string) {
    super(`The saga of order ${orderId} moved on while this step was applied`, {
      code: 'SAGA_RACE',
      status: 409,
      canRetry: true,
    })
  }
}

/**
 * Moves one saga on inside `tx`: reads it, asks `decide` for a transition, and writes state,
 * history, the order's status and the events in the same transaction. The write only lands on the
 * version it read (another replica may have moved the saga on). Returns the transition, or null
 * when `decide` had nothing to do.
 */
export async function advanceSaga(
  tx: Tx,
  orderId: string,
  decide: (state: SagaState, now: number) => Transition | null,
  facts: AnswerFacts = {},
): Promise<Transition | null> {
  const [row] = await tx.select().from(orderSagas).where(eq(orderSagas.orderId, orderId))
  const [order] = await tx.select().from(orders).where(eq(orders.id, orderId))
  if (!row || !order) return null
  const now = Date.now()
  const transition = decide(stateOf(row), now)
  if (!transition) return null
  const finished = transition.state.phase === 'done'
  const updated = await tx
    .update(orderSagas)
    .set({
      ...stateColumns(transition.state),
      ...(facts.paymentId ? { paymentId: facts.paymentId } : {}),
      ...(facts.shipmentId ? { shipmentId: facts.shipmentId } : {}),
      version: row.version + 1,
      updatedAt: now,
      ...(finished ? { finishedAt: now } : {}),
    })
    .where(and(eq(orderSagas.orderId, orderId), eq(orderSagas.version, row.version)))
    .returning({ orderId: orderSagas.orderId })
  if (updated.length === 0) throw new SagaRaceError(orderId)
  // A cancelled order gives its coupon's use back, in this transaction: the saga ends cancelled
  // once, and the release only flips a use still held, so a retried transition gives back nothing.
  if (transition.statusChanged && transition.state.status === 'cancelled' && order.couponCode)
    await releaseCoupon(tx, orderId)
  await commit(
    tx,
    (w) => [
      ...(transition.history.length > 0
        ? [w.insert(orderSteps).values(historyRows(orderId, transition, now))]
        : []),
      ...(transition.statusChanged
        ? [w.update(orders).set({ status: transition.state.status }).where(eq(orders.id, orderId))]
        : []),
    ],
    eventsOf(order, transition),
  )
  afterCommit(() => announce(orderId))
  return transition
}

/** Sagas whose deadline has passed (an overdue answer or a due retry), soonest first. */
export async function dueSagas(db: Db, now: number, limit: number): Promise<string[]> {
  const rows = await db
    .select({ orderId: orderSagas.orderId })
    .from(orderSagas)
    .where(
      and(inArray(orderSagas.phase, ['forward', 'compensating']), lte(orderSagas.deadlineAt, now)),
    )
    .orderBy(asc(orderSagas.deadlineAt))
    .limit(limit)
  return rows.map((r) => r.orderId)
}

/** The order's saga row and its history, oldest first. */
export async function sagaOf(
  db: Db,
  orderId: string,
): Promise<{ saga: OrderSaga | null; steps: (typeof orderSteps.$inferSelect)[] }> {
  const [saga] = await db.select().from(orderSagas).where(eq(orderSagas.orderId, orderId))
  const steps = await db
    .select()
    .from(orderSteps)
    .where(eq(orderSteps.orderId, orderId))
    .orderBy(asc(orderSteps.id))
  return { saga: saga ?? null, steps }
}

export type { SagaSettings }
