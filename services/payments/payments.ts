// An order's payment, as the saga's commands move it: authorized (or declined), then captured, or
// released — voided while only authorized, refunded once captured. One payment per order, so an
// order is captured at most once; releasing is what cancelling needs, so a cancelled order keeps no
// unrefunded capture whichever of void or refund the saga asks for.
import { and, count, eq } from 'drizzle-orm'
import { type CommandReply, reply } from '../../shared/consumers/commands.ts'
import type { Tx, Writer } from '../../shared/db/client.ts'
import type { EventData } from '../../shared/events/types.ts'
import { type AuthorizationResult, cardLast4, DECLINES } from './provider.ts'
import { type Payment, type PaymentStatus, payments } from './schema.ts'

type Authorization = EventData<'payment.authorization_requested'>
type Capture = EventData<'payment.capture_requested'>
type Release = EventData<'payment.void_requested'> | EventData<'payment.refund_requested'>

/** The currency a refund of nothing is reported in (a refund command carries none); the shop's. */
const SHOP_CURRENCY = 'EUR'

/** Why a capture is refused, in words for the shopper. */
const CAPTURE_REFUSALS = {
  payment_not_authorized: 'Your payment was not authorized, so nothing was charged.',
  amount_exceeds_authorization: 'The amount to charge is more than your card authorized.',
} as const

/** Why a new authorization is refused when the order's payment was already released. */
const CLOSED = { reason: 'payment_closed', message: "This order's payment was cancelled." }

function refs(command: { orderId: string; correlationId: string; commandId: string }) {
  const { orderId, correlationId, commandId } = command
  return { orderId, correlationId, commandId }
}

async function paymentFor(w: Writer, orderId: string): Promise<Payment | undefined> {
  const [payment] = await w.select().from(payments).where(eq(payments.orderId, orderId))
  return payment
}

/**
 * Moves the payment on from the status it was read in. One order's commands come one at a time
 * (its partition), so this holds; if another writer moved it meanwhile, the plain error makes the
 * runner retry the command, which then reads the payment as it is now.
 */
async function move(
  tx: Tx,
  payment: Payment,
  changes: Partial<Payment> & { status: PaymentStatus },
): Promise<void> {
  const moved = await tx
    .update(payments)
    .set({ ...changes, updatedAt: Date.now() })
    .where(and(eq(payments.id, payment.id), eq(payments.status, payment.status)))
    .returning({ id: payments.id })
  if (moved.length !== 1)
    throw new Error(
      `The payment of order ${payment.orderId} changed before it was ${changes.status}`,
    )
}

/**
 * Records the provider's answer to an authorization. The order's first authorization stands: a
 * later one (another command for the same order) is answered from the payment already recorded.
 */
export async function authorizePayment(
  tx: Tx,
  command: Authorization,
  outcome: AuthorizationResult,
): Promise<CommandReply> {
  const earlier = await paymentFor(tx, command.orderId)
  if (earlier) return answerAuthorization(command, earlier)
  const now = Date.now()
  const [payment] = await tx
    .insert(payments)
    .values({
      id: Bun.randomUUIDv7(),
      orderId: command.orderId,
      userId: command.userId,
      amountMinor: command.amountMinor,
      currency: command.currency,
      status: outcome.ok ? 'authorized' : 'declined',
      reason: outcome.ok ? null : outcome.reason,
      cardLast4: cardLast4(command.cardToken),
      createdAt: now,
      updatedAt: now,
    })
    .returning()
  if (!payment) throw new Error(`The payment of order ${command.orderId} was not recorded`)
  return answerAuthorization(command, payment)
}

function answerAuthorization(command: Authorization, payment: Payment): CommandReply {
  const { id: paymentId, amountMinor, currency, status } = payment
  if (status === 'authorized' || status === 'captured')
    return reply('payment.authorized', { ...refs(command), paymentId, amountMinor, currency })
  if (status === 'declined') {
    const reason = (payment.reason ?? 'card_declined') as keyof typeof DECLINES
    const message = DECLINES[reason] ?? DECLINES.card_declined
    return reply('payment.declined', { ...refs(command), reason, message })
  }
  return reply('payment.declined', { ...refs(command), ...CLOSED })
}

/**
 * Takes the authorized amount, or the smaller amount asked for (a partial capture, which the
 * payment then records as its amount). A payment already captured is not captured again: the
 * answer is the capture that happened.
 */
export async function capturePayment(tx: Tx, command: Capture): Promise<CommandReply> {
  const payment = await paymentFor(tx, command.orderId)
  const refuse = (reason: keyof typeof CAPTURE_REFUSALS) =>
    reply('payment.capture_failed', {
      ...refs(command),
      reason,
      message: CAPTURE_REFUSALS[reason],
    })
  const captured = (p: Payment) =>
    reply('payment.captured', {
      ...refs(command),
      paymentId: p.id,
      amountMinor: p.amountMinor,
      currency: p.currency,
    })
  if (payment?.status === 'captured') return captured(payment)
  if (payment?.status !== 'authorized') return refuse('payment_not_authorized')
  if (command.currency !== payment.currency || command.amountMinor > payment.amountMinor)
    return refuse('amount_exceeds_authorization')
  const now = Date.now()
  const changes = { status: 'captured' as const, amountMinor: command.amountMinor, capturedAt: now }
  await move(tx, payment, changes)
  return captured({ ...payment, ...changes })
}

/**
 * Releases what the payment holds: an authorization is voided, a capture refunded. Answers with
 * the amount that stands refunded: 0 when nothing was captured (nothing, a decline, an
 * authorization), the captured amount otherwise — also when an earlier command refunded it.
 */
async function release(tx: Tx, payment: Payment | undefined): Promise<number> {
  if (!payment) return 0
  if (payment.status === 'authorized') {
    await move(tx, payment, { status: 'voided' })
    return 0
  }
  if (payment.status === 'captured')
    await move(tx, payment, { status: 'refunded', refundedAt: Date.now() })
  return payment.status === 'captured' || payment.status === 'refunded' ? payment.amountMinor : 0
}

/**
 * Voids the authorization; there being nothing left to void (no payment, a decline, voided, or
 * refunded by an earlier refund command) answers `payment.voided` too. A captured payment is never
 * voided: this refunds it, and the answer says so — `payment.refunded` with the amount — so that
 * `payment.voided` never hides money that was taken and given back by this very command.
 */
export async function voidPayment(tx: Tx, command: Release): Promise<CommandReply> {
  const payment = await paymentFor(tx, command.orderId)
  const refunded = await release(tx, payment)
  if (payment?.status === 'captured')
    return reply('payment.refunded', {
      ...refs(command),
      amountMinor: refunded,
      currency: payment.currency,
    })
  return reply('payment.voided', refs(command))
}

/**
 * Refunds the capture, answering `payment.refunded` with the amount refunded: 0 when nothing was
 * captured, in which case an authorization still held is voided, so nothing stays on the card.
 */
export async function refundPayment(tx: Tx, command: Release): Promise<CommandReply> {
  const payment = await paymentFor(tx, command.orderId)
  const refunded = await release(tx, payment)
  return reply('payment.refunded', {
    ...refs(command),
    amountMinor: refunded,
    currency: payment?.currency ?? SHOP_CURRENCY,
  })
}

/** The order's payment, if it has one. */
export async function paymentOf(db: Writer, orderId: string): Promise<Payment | null> {
  return (await paymentFor(db, orderId)) ?? null
}

/** How many payments are in each status (every status present, 0 when none). */
export async function paymentCounts(db: Writer): Promise<Record<PaymentStatus, number>> {
  const rows = await db
    .select({ status: payments.status, n: count() })
    .from(payments)
    .groupBy(payments.status)
  const counts: Record<PaymentStatus, number> = {
    authorized: 0,
    declined: 0,
    captured: 0,
    voided: 0,
    refunded: 0,
  }
  for (const { status, n } of rows) counts[status] = n
  return counts
}
