import { describe, expect, test } from 'bun:test'
import {
  type Answer,
  COMPENSATIONS,
  commandIdOf,
  FORWARD_STEPS,
  onAnswer,
  onDeadline,
  type SagaState,
  type StepName,
  startSaga,
  type Transition,
} from '../../../services/orders/saga.ts'

const settings = { stepTimeoutMs: 1000, stepAttempts: 3, retryBackoffMs: 100 }
const orderId = 'order-1'

/** The answer the current step waits for, succeeding or failing. */
function answer(state: SagaState, outcome: 'ok' | 'fail', reason?: string): Answer {
  const forward = FORWARD_STEPS.find((s) => s.name === state.step)
  const type = forward
    ? outcome === 'ok'
      ? forward.succeeded
      : forward.failed
    : (COMPENSATIONS[state.step as keyof typeof COMPENSATIONS].done[0] as Answer['type'])
  return { type, commandId: state.commandId ?? '', reason, message: reason && `because ${reason}` }
}

/** Runs answers through the saga from its start; returns every transition. */
function run(outcomes: ('ok' | 'fail')[], reason = 'card_declined'): Transition[] {
  const transitions = [startSaga(orderId, 0, settings)]
  for (const outcome of outcomes) {
    const last = transitions.at(-1) as Transition
    const next = onAnswer(last.state, answer(last.state, outcome, reason), 10, settings)
    if (!next) throw new Error(`no transition from ${last.state.step}`)
    transitions.push(next)
  }
  return transitions
}

const commands = (ts: Transition[]) => ts.map((t) => t.send?.command).filter(Boolean)

describe('order saga', () => {
  test('runs the steps in order and completes after the capture', () => {
    const ts = run(['ok', 'ok', 'ok', 'ok'])
    expect(commands(ts)).toEqual([
      'payment.authorization_requested',
      'inventory.reservation_requested',
      'shipment.creation_requested',
      'payment.capture_requested',
    ])
    const end = (ts.at(-1) as Transition).state
    expect(end).toMatchObject({ status: 'completed', phase: 'done', step: null, deadlineAt: null })
    expect(end.done).toEqual([
      'authorize_payment',
      'reserve_inventory',
      'create_shipment',
      'capture_payment',
    ])
  })

  test('a declined card cancels at once with its reason: nothing to undo', () => {
    const ts = run(['fail'], 'card_declined')
    const end = (ts.at(-1) as Transition).state
    expect(end).toMatchObject({ status: 'cancelled', phase: 'done', reason: 'card_declined' })
    expect(end.message).toBe('because card_declined')
    expect(commands(ts)).toEqual(['payment.authorization_requested'])
  })

  test('out of stock voids the authorization, then cancels with out_of_stock', () => {
    const ts = run(['ok', 'fail', 'ok'], 'out_of_stock')
    expect(commands(ts)).toEqual([
      'payment.authorization_requested',
      'inventory.reservation_requested',
      'payment.void_requested',
    ])
    expect((ts.at(-1) as Transition).state).toMatchObject({
      status: 'cancelled',
      reason: 'out_of_stock',
    })
  })

  test('a refused shipment releases the stock, then voids the payment, in reverse order', () => {
    const ts = run(['ok', 'ok', 'fail', 'ok', 'ok'], 'shipping_unavailable')
    expect(commands(ts).slice(3)).toEqual(['inventory.release_requested', 'payment.void_requested'])
    expect(ts[3]?.state.status).toBe('compensating')
    expect(ts[3]?.statusChanged).toBe(true)
    expect(ts[4]?.statusChanged).toBe(false)
    expect((ts.at(-1) as Transition).state).toMatchObject({
      status: 'cancelled',
      reason: 'shipping_unavailable',
    })
  })

  test('ignores answers to commands it no longer waits for', () => {
    const started = startSaga(orderId, 0, settings)
    const stale = { type: 'payment.authorized' as const, commandId: 'another' }
    expect(onAnswer(started.state, stale, 1, settings)).toBeNull()
    // The shipment's answer while waiting for the payment's.
    const wrong = {
      type: 'shipment.created' as const,
      commandId: started.state.commandId as string,
    }
    expect(onAnswer(started.state, wrong, 1, settings)).toBeNull()
    const done = run(['fail']).at(-1) as Transition
    expect(onAnswer(done.state, answer(started.state, 'ok'), 2, settings)).toBeNull()
  })

  test('an overdue answer is retried after a backoff with the same command id', () => {
    const started = startSaga(orderId, 0, settings).state
    expect(onDeadline(started, 999, settings)).toBeNull()
    const overdue = onDeadline(started, 1000, settings) as Transition
    expect(overdue.send).toBeNull()
    expect(overdue.state).toMatchObject({ deadlineKind: 'retry', deadlineAt: 1100 })
    expect(overdue.history[0]?.outcome).toBe('timed_out')
    const retried = onDeadline(overdue.state, 1100, settings) as Transition
    expect(retried.send?.commandId).toBe(commandIdOf(orderId, 'authorize_payment'))
    expect(retried.state).toMatchObject({ attempt: 2, deadlineKind: 'answer', deadlineAt: 2100 })
    // The backoff doubles: the second overdue answer waits 200 ms for its retry.
    const again = onDeadline(retried.state, 2100, settings) as Transition
    expect(again.state.deadlineAt).toBe(2300)
  })

  test('a step out of attempts fails with its timeout reason and undoes itself too', () => {
    // Waiting for the capture, which may have happened: refund, cancel, release, then void.
    let state = (run(['ok', 'ok', 'ok']).at(-1) as Transition).state
    const sent: (string | undefined)[] = []
    let now = 10
    while (state.phase === 'forward') {
      now = (state.deadlineAt as number) + 1
      const t = onDeadline(state, now, settings) as Transition
      sent.push(t.send?.command)
      state = t.state
    }
    expect(state).toMatchObject({ status: 'compensating', reason: 'payment_timeout' })
    expect(sent.filter(Boolean)).toEqual([
      'payment.capture_requested',
      'payment.capture_requested',
      'payment.refund_requested',
    ])
    const plan: StepName[] = [state.step as StepName, ...state.compensations]
    expect(plan).toEqual(['refund_payment', 'cancel_shipment', 'release_inventory', 'void_payment'])
  })

  test('a compensation that does not answer is retried until it does', () => {
    let state = (run(['ok', 'fail'], 'out_of_stock').at(-1) as Transition).state
    expect(state.step).toBe('void_payment')
    for (let i = 0; i < 20; i++) {
      state = (onDeadline(state, (state.deadlineAt as number) + 1, settings) as Transition).state
    }
    expect(state).toMatchObject({ phase: 'compensating', step: 'void_payment' })
    const end = onAnswer(state, answer(state, 'ok'), (state.deadlineAt as number) + 1, settings)
    expect(end?.state).toMatchObject({ status: 'cancelled', reason: 'out_of_stock' })
  })
})
