// What the chaos test checks once the saga is quiet, read straight from the tables every service
// wrote on the shared database (read-only): each invariant is a list of the orders or products that
// break it, empty when it holds, and counts to print beside them.
import { inArray } from 'drizzle-orm'
import { stockLevels, stockReservations } from '../../../services/inventory/schema.ts'
import { notifications } from '../../../services/notifications/schema.ts'
import { orderSagas, orderSteps, orders } from '../../../services/orders/schema.ts'
import { payments } from '../../../services/payments/schema.ts'
import { shipments } from '../../../services/shipping/schema.ts'
import { commandReplies } from '../../../shared/bus/schema.ts'
import type { Db } from '../../../shared/db/client.ts'

/** Which participant applies each step's command. */
const PARTICIPANT: Record<string, string> = {
  authorize_payment: 'payments',
  capture_payment: 'payments',
  void_payment: 'payments',
  refund_payment: 'payments',
  reserve_inventory: 'inventory',
  release_inventory: 'inventory',
  create_shipment: 'shipping',
  cancel_shipment: 'shipping',
}

/** The answer a forward step moved on with, per outcome in its history. */
const ANSWER: Record<string, { succeeded: string; failed: string }> = {
  authorize_payment: { succeeded: 'payment.authorized', failed: 'payment.declined' },
  reserve_inventory: { succeeded: 'inventory.reserved', failed: 'inventory.reservation_failed' },
  create_shipment: { succeeded: 'shipment.created', failed: 'shipment.failed' },
  capture_payment: { succeeded: 'payment.captured', failed: 'payment.capture_failed' },
}

const TERMINAL = new Set(['completed', 'cancelled'])

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const row of rows) {
    const list = groups.get(key(row))
    if (list) list.push(row)
    else groups.set(key(row), [row])
  }
  return groups
}

function tally(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1
  return counts
}

export interface SagaAudit {
  counts: Record<string, number | string>
  reasons: Record<string, number>
  products: {
    product: string
    initial: number
    available: number
    reserved: number
    held: number
    sold: number
  }[]
  /** Each invariant: what breaks it (empty when it holds). */
  broken: Record<string, string[]>
}

/**
 * Audits every order of the database against the saga's invariants. `initial` is each product's
 * stock when it was created.
 */
export async function auditSaga(db: Db, initial: Map<string, number>): Promise<SagaAudit> {
  const allOrders = await db.select().from(orders)
  const ids = new Set(allOrders.map((o) => o.id))
  const sagas = new Map((await db.select().from(orderSagas)).map((s) => [s.orderId, s]))
  const steps = groupBy(await db.select().from(orderSteps), (s) => s.orderId)
  const pays = await db.select().from(payments)
  const ships = await db.select().from(shipments)
  const holds = await db.select().from(stockReservations)
  const replies = await db.select().from(commandReplies)
  const notes = await db.select().from(notifications)
  const levels = await db
    .select()
    .from(stockLevels)
    .where(inArray(stockLevels.productId, [...initial.keys()]))
  const paysOf = groupBy(pays, (p) => p.orderId)
  const shipsOf = groupBy(ships, (s) => s.orderId)
  const holdsOf = groupBy(holds, (r) => r.orderId)
  const notesOf = groupBy(notes, (n) => n.orderId ?? '')
  const repliesOf = groupBy(replies, (r) => r.orderId)
  const status = new Map(allOrders.map((o) => [o.id, sagas.get(o.id)?.status ?? o.status]))

  const broken: Record<string, string[]> = {
    'every order terminal': [],
    'stock never negative': [],
    'stock conserved (available + reserved = initial)': [],
    'reserved = units held by reservations': [],
    'sold <= initial stock': [],
    'completed: exactly one capture, of the total': [],
    'completed: exactly one live shipment': [],
    'completed: every line held': [],
    'cancelled: no unrefunded capture': [],
    'cancelled: no authorization left on the card': [],
    'cancelled: no live reservation': [],
    'cancelled: no live shipment': [],
    // command_replies has one row per participant and command id by its key, so the effects are
    // checked too: a reservation or release applied twice breaks the stock counts above (reserved
    // above the units held, stock not conserved), a payment or shipment twice as a second row for
    // its order, an answer recorded without its effect as a step the tables do not reflect.
    'no command applied twice': [],
    'no effect applied twice': [],
    'every answer is to a command the saga sent': [],
    'every step moved on by an answer of its participant': [],
    'one notification per order, of its outcome': [],
  }
  const fail = (invariant: string, what: string) => broken[invariant]?.push(what)

  for (const order of allOrders) {
    const saga = sagas.get(order.id)
    const s = status.get(order.id) ?? ''
    if (saga?.phase !== 'done' || !TERMINAL.has(s) || order.status !== s)
      fail('every order terminal', `${order.id}: ${order.status}/${saga?.phase}/${saga?.step}`)
    const pay = paysOf.get(order.id) ?? []
    const ship = shipsOf.get(order.id) ?? []
    const held = (holdsOf.get(order.id) ?? []).filter((r) => r.status === 'held')
    if (pay.length > 1 || ship.length > 1)
      fail(
        'no effect applied twice',
        `${order.id}: ${pay.length} payments, ${ship.length} shipments`,
      )
    if (s === 'completed') {
      const [p] = pay
      if (pay.length !== 1 || p?.status !== 'captured' || p.amountMinor !== order.totalMinor)
        fail('completed: exactly one capture, of the total', `${order.id}: ${p?.status}`)
      if (ship.length !== 1 || ship[0]?.status !== 'created')
        fail('completed: exactly one live shipment', `${order.id}: ${ship[0]?.status}`)
      const wanted = order.items.map((i) => `${i.productId}x${i.quantity}`).sort()
      const got = held.map((r) => `${r.productId}x${r.quantity}`).sort()
      if (wanted.join() !== got.join())
        fail('completed: every line held', `${order.id}: ${got.join()} for ${wanted.join()}`)
    }
    if (s === 'cancelled') {
      if (pay.some((p) => p.status === 'captured'))
        fail('cancelled: no unrefunded capture', order.id)
      if (pay.some((p) => p.status === 'authorized'))
        fail('cancelled: no authorization left on the card', order.id)
      if (held.length > 0) fail('cancelled: no live reservation', order.id)
      if (ship.some((x) => x.status === 'created')) fail('cancelled: no live shipment', order.id)
    }
    auditAnswers(order.id, steps.get(order.id) ?? [], repliesOf.get(order.id) ?? [], fail)
    if (TERMINAL.has(s)) {
      const kinds = (notesOf.get(order.id) ?? []).map((n) => n.kind)
      const kind = s === 'completed' ? 'order_confirmed' : 'order_cancelled'
      if (kinds.length !== 1 || kinds[0] !== kind)
        fail('one notification per order, of its outcome', `${order.id}: ${kinds.join()}`)
    }
  }

  const sold = new Map<string, number>()
  for (const r of holds)
    if (r.status === 'held' && status.get(r.orderId) === 'completed')
      sold.set(r.productId, (sold.get(r.productId) ?? 0) + r.quantity)
  const products = [...initial].map(([product, stock]) => {
    const level = levels.find((l) => l.productId === product)
    const held = holds
      .filter((r) => r.productId === product && r.status === 'held')
      .reduce((n, r) => n + r.quantity, 0)
    const row = {
      product: product.slice(-8),
      initial: stock,
      available: level?.available ?? Number.NaN,
      reserved: level?.reserved ?? Number.NaN,
      held,
      sold: sold.get(product) ?? 0,
    }
    if (!(row.available >= 0 && row.reserved >= 0)) fail('stock never negative', product)
    if (row.available + row.reserved !== stock)
      fail('stock conserved (available + reserved = initial)', product)
    if (row.reserved !== held) fail('reserved = units held by reservations', product)
    if (row.sold > stock) fail('sold <= initial stock', product)
    return row
  })

  for (const [key, n] of Object.entries(
    tally(replies.map((r) => `${r.participant} ${r.commandId}`)),
  ))
    if (n > 1) fail('no command applied twice', key)

  const byReason = tally(
    [...sagas.values()].filter((s) => s.status === 'cancelled').map((s) => s.reason ?? '?'),
  )
  const outcomes = tally([...steps.values()].flat().map((s) => s.outcome))
  const foreign = [...pays, ...ships, ...holds, ...replies].filter((r) => !ids.has(r.orderId))
  return {
    counts: {
      orders: allOrders.length,
      completed: [...status.values()].filter((s) => s === 'completed').length,
      cancelled: [...status.values()].filter((s) => s === 'cancelled').length,
      'not terminal': [...status.values()].filter((s) => !TERMINAL.has(s)).length,
      ...prefixed('payments ', tally(pays.map((p) => p.status))),
      ...prefixed('shipments ', tally(ships.map((s) => s.status))),
      'reservations held': holds.filter((r) => r.status === 'held').length,
      'reservations released': holds.filter((r) => r.status === 'released').length,
      ...prefixed('commands applied by ', tally(replies.map((r) => r.participant))),
      'steps timed out': outcomes.timed_out ?? 0,
      'steps retried': outcomes.retried ?? 0,
      notifications: notes.length,
      'rows of orders not in this database': foreign.length,
    },
    reasons: byReason,
    products,
    broken,
  }
}

function prefixed(prefix: string, counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [`${prefix}${k}`, v]))
}

/**
 * Each participant's replies against the saga's history: a reply only to a command the saga
 * started, and every step the saga moved on from (succeeded, failed, compensated) answered by its
 * participant, a forward step with the answer its outcome says.
 */
function auditAnswers(
  orderId: string,
  history: { step: string; outcome: string }[],
  replies: { participant: string; commandId: string; replyType: string }[],
  fail: (invariant: string, what: string) => void,
): void {
  const started = new Set(history.filter((h) => h.outcome === 'started').map((h) => h.step))
  const reply = new Map(replies.map((r) => [r.commandId, r]))
  for (const r of replies) {
    const step = r.commandId.slice(orderId.length + 1)
    if (
      !r.commandId.startsWith(`${orderId}/`) ||
      !started.has(step) ||
      PARTICIPANT[step] !== r.participant
    )
      fail('every answer is to a command the saga sent', `${r.participant} ${r.commandId}`)
  }
  for (const h of history) {
    if (!['succeeded', 'failed', 'compensated'].includes(h.outcome) || !PARTICIPANT[h.step])
      continue
    const r = reply.get(`${orderId}/${h.step}`)
    const expected = ANSWER[h.step]?.[h.outcome as 'succeeded' | 'failed']
    if (!r || r.participant !== PARTICIPANT[h.step] || (expected && r.replyType !== expected))
      fail(
        'every step moved on by an answer of its participant',
        `${orderId} ${h.step}:${h.outcome} → ${r?.replyType ?? 'no reply'}`,
      )
  }
}
