import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import {
  PaymentProvider,
  paymentConsumers,
  paymentCounts,
  paymentOf,
  tokenizeCard,
} from '../../../services/payments/index.ts'
import { payments } from '../../../services/payments/schema.ts'
import { commit } from '../../../shared/bus/commit.ts'
import { commandReplies } from '../../../shared/bus/schema.ts'
import type { ConsumedRecord, Subscription } from '../../../shared/bus/types.ts'
import { createEvent, type EventEnvelope, fromRecord } from '../../../shared/events/envelope.ts'
import type { EventData, EventType } from '../../../shared/events/types.ts'
import { type Platform, startPlatform } from '../../../shared/platform.ts'
import { eventually, tempDatabase, testConfig, unique } from '../../helpers/broker.ts'

const TOPIC = 'payment-events'
let platform: Platform
let dir: string
let reader: Subscription
/** Every record on the topic since this file started: the commands we sent and the answers. */
const records: ConsumedRecord[] = []

beforeAll(async () => {
  const scratch = await tempDatabase()
  scratch.close()
  dir = scratch.dir
  platform = await startPlatform(testConfig({ DATABASE_URL: `file:${join(dir, 'payments.db')}` }), {
    allowEmbedded: false,
  })
  // The run's broker holds earlier tests' commands: both groups start from now, and the consumer
  // has its own group, so no other process on the broker shares its partitions.
  const since = Date.now()
  const group = unique('payments')
  const readerGroup = unique('reader')
  await platform.bus.seek(group, TOPIC, { timestamp: since })
  await platform.bus.seek(readerGroup, TOPIC, { timestamp: since })
  reader = await platform.bus.subscribe({
    group: readerGroup,
    topics: [TOPIC],
    handler: async (record) => void records.push(record),
  })
  const provider = new PaymentProvider({ failureRate: 0, latencyMs: 20 })
  await platform.consumers.start(paymentConsumers(provider).map((c) => ({ ...c, group })))
})

afterAll(async () => {
  await reader?.close()
  await platform?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** Publishes a command the way the orchestrator does: through the outbox. */
async function send<T extends EventType>(type: T, data: EventData<T>): Promise<EventEnvelope> {
  const event = createEvent(type, data, { source: '/streamshop/orders' })
  await commit(platform.database.db, () => [], [event])
  return event
}

/** The answers to a command on the topic, once there are `count` of them. */
function answersTo(commandId: string, count = 1): Promise<EventEnvelope[]> {
  return eventually(
    () => {
      const answers = records
        .map(fromRecord)
        .filter(
          (e) =>
            !e.type.endsWith('_requested') &&
            (e.data as { commandId?: string }).commandId === commandId,
        )
      return answers.length >= count && answers
    },
    30_000,
    `${count} answer(s) to ${commandId}`,
  )
}

async function answerTo(commandId: string): Promise<EventEnvelope> {
  const [answer] = await answersTo(commandId)
  if (!answer) throw new Error(`no answer to ${commandId}`)
  return answer
}

function saga() {
  const orderId = unique('order')
  return { orderId, correlationId: orderId }
}

function authorization(ref: ReturnType<typeof saga>, card: string, commandId = unique('cmd')) {
  return {
    ...ref,
    commandId,
    userId: unique('user'),
    amountMinor: 4599,
    currency: 'EUR',
    cardToken: tokenizeCard(card),
  }
}

async function authorized(ref: ReturnType<typeof saga>): Promise<EventEnvelope> {
  const command = authorization(ref, '4242 4242 4242 4242')
  await send('payment.authorization_requested', command)
  const answer = await answerTo(command.commandId)
  expect(answer.type).toBe('payment.authorized')
  return answer
}

describe('payments consumer', () => {
  test('authorizes a payment with the card that always succeeds', async () => {
    const ref = saga()
    const answer = await authorized(ref)
    const payment = await paymentOf(platform.database.db, ref.orderId)
    expect(answer.key).toBe(ref.orderId)
    expect(answer.source).toBe('/streamshop/payments')
    expect(answer.data).toMatchObject({ ...ref, amountMinor: 4599, currency: 'EUR' })
    expect(payment).toMatchObject({ status: 'authorized', amountMinor: 4599, cardLast4: '4242' })
    expect((answer.data as { paymentId: string }).paymentId).toBe(payment?.id as string)
  })

  test('declines the declining test cards with their reason and a message for the shopper', async () => {
    for (const [card, reason, message] of [
      ['4000 0000 0000 0002', 'card_declined', 'Your card was declined.'],
      ['4000 0000 0000 9995', 'insufficient_funds', 'Your card has insufficient funds.'],
    ] as const) {
      const ref = saga()
      const command = authorization(ref, card)
      await send('payment.authorization_requested', command)
      const answer = await answerTo(command.commandId)
      expect(answer.type).toBe('payment.declined')
      expect(answer.data).toEqual({ ...ref, commandId: command.commandId, reason, message })
      const payment = await paymentOf(platform.database.db, ref.orderId)
      expect(payment).toMatchObject({ status: 'declined', reason, cardLast4: card.slice(-4) })
    }
  })

  test('a command sent twice is applied once and answered twice alike', async () => {
    const ref = saga()
    const command = authorization(ref, '4242 4242 4242 4242')
    const first = await send('payment.authorization_requested', command)
    const second = await send('payment.authorization_requested', command)
    expect(second.id).not.toBe(first.id)
    const [a, b] = await answersTo(command.commandId, 2)
    expect(a?.type).toBe('payment.authorized')
    expect(b?.type).toBe(a?.type as string)
    expect(b?.data).toEqual(a?.data)
    const { db } = platform.database
    expect(await db.select().from(payments).where(eq(payments.orderId, ref.orderId))).toHaveLength(
      1,
    )
    const applied = await db
      .select()
      .from(commandReplies)
      .where(eq(commandReplies.commandId, command.commandId))
    expect(applied).toHaveLength(1)
  })

  test('captures once, then refunds the captured amount', async () => {
    const ref = saga()
    const { paymentId } = (await authorized(ref)).data as { paymentId: string }
    const capture = { ...ref, commandId: unique('cmd'), amountMinor: 4599, currency: 'EUR' }
    await send('payment.capture_requested', capture)
    const captured = await answerTo(capture.commandId)
    expect(captured.type).toBe('payment.captured')
    expect(captured.data).toEqual({ ...capture, paymentId })
    // Another capture command for the order (not a retry: a new id) takes nothing more.
    const again = { ...capture, commandId: unique('cmd') }
    await send('payment.capture_requested', again)
    expect((await answerTo(again.commandId)).type).toBe('payment.captured')
    expect(await paymentOf(platform.database.db, ref.orderId)).toMatchObject({
      status: 'captured',
      amountMinor: 4599,
    })

    const refund = { ...ref, commandId: unique('cmd') }
    await send('payment.refund_requested', refund)
    const refunded = await answerTo(refund.commandId)
    expect(refunded.type).toBe('payment.refunded')
    expect(refunded.data).toEqual({ ...refund, amountMinor: 4599, currency: 'EUR' })
    const payment = await paymentOf(platform.database.db, ref.orderId)
    expect(payment?.status).toBe('refunded')
    expect(payment?.capturedAt).toBeNumber()
    expect(payment?.refundedAt).toBeNumber()
    // Nothing captured can be captured again once refunded.
    const late = { ...capture, commandId: unique('cmd') }
    await send('payment.capture_requested', late)
    const refused = await answerTo(late.commandId)
    expect(refused.type).toBe('payment.capture_failed')
    expect(refused.data).toMatchObject({ reason: 'payment_not_authorized' })
  })

  test('voids an authorized payment; voiding it again, or nothing, still answers voided', async () => {
    const ref = saga()
    await authorized(ref)
    for (const orderRef of [ref, ref, saga()]) {
      const command = { ...orderRef, commandId: unique('cmd') }
      await send('payment.void_requested', command)
      const answer = await answerTo(command.commandId)
      expect(answer.type).toBe('payment.voided')
      expect(answer.data).toEqual(command)
    }
    expect((await paymentOf(platform.database.db, ref.orderId))?.status).toBe('voided')
    // A voided payment is not captured.
    const capture = { ...ref, commandId: unique('cmd'), amountMinor: 4599, currency: 'EUR' }
    await send('payment.capture_requested', capture)
    expect(await answerTo(capture.commandId)).toMatchObject({
      type: 'payment.capture_failed',
      data: { reason: 'payment_not_authorized' },
    })
  })

  test('voiding a captured payment refunds it and answers refunded', async () => {
    const ref = saga()
    await authorized(ref)
    const capture = { ...ref, commandId: unique('cmd'), amountMinor: 4599, currency: 'EUR' }
    await send('payment.capture_requested', capture)
    expect((await answerTo(capture.commandId)).type).toBe('payment.captured')
    const command = { ...ref, commandId: unique('cmd') }
    await send('payment.void_requested', command)
    const answer = await answerTo(command.commandId)
    expect(answer.type).toBe('payment.refunded')
    expect(answer.data).toEqual({ ...command, amountMinor: 4599, currency: 'EUR' })
    expect((await paymentOf(platform.database.db, ref.orderId))?.status).toBe('refunded')
  })

  test('refunding an uncaptured payment refunds 0 and releases its authorization', async () => {
    const ref = saga()
    await authorized(ref)
    const command = { ...ref, commandId: unique('cmd') }
    await send('payment.refund_requested', command)
    const answer = await answerTo(command.commandId)
    expect(answer.type).toBe('payment.refunded')
    expect(answer.data).toMatchObject({ amountMinor: 0 })
    expect((await paymentOf(platform.database.db, ref.orderId))?.status).toBe('voided')
  })

  test('capturing more than was authorized is refused', async () => {
    const ref = saga()
    await authorized(ref)
    const capture = { ...ref, commandId: unique('cmd'), amountMinor: 4600, currency: 'EUR' }
    await send('payment.capture_requested', capture)
    const answer = await answerTo(capture.commandId)
    expect(answer.type).toBe('payment.capture_failed')
    expect(answer.data).toMatchObject({ reason: 'amount_exceeds_authorization' })
    expect((await paymentOf(platform.database.db, ref.orderId))?.status).toBe('authorized')
  })

  test('counts payments per status', async () => {
    const counts = await paymentCounts(platform.database.db)
    const rows = await platform.database.db.select().from(payments)
    for (const status of ['authorized', 'declined', 'captured', 'voided', 'refunded'] as const)
      expect(counts[status]).toBe(rows.filter((p) => p.status === status).length)
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(rows.length)
    expect(rows.length).toBeGreaterThan(0)
  })
})
