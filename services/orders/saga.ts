// The order saga as a table of steps and the transitions between them. Nothing here knows HTTP,
// Kafka or SQL: given where a saga stands and what happened (a participant's answer, a deadline
// passing), it says where the saga goes next, which commands to send and what to write in its
// history. The store (saga-store.ts) persists that in one transaction with the commands.
import type { OrderStatus } from '../../shared/events/order-saga.ts'
import type { EventType } from '../../shared/events/types.ts'

export type ForwardStepName =
  | 'authorize_payment'
  | 'reserve_inventory'
  | 'create_shipment'
  | 'capture_payment'
export type CompensationName =
  | 'cancel_shipment'
  | 'release_inventory'
  | 'void_payment'
  | 'refund_payment'

interface ForwardStep {
  name: ForwardStepName
  /** The order's status while the step waits for its answer. */
  status: OrderStatus
  command: EventType
  succeeded: EventType
  failed: EventType
  /** The reason an order is cancelled with when the step never answers. */
  timeoutReason: string
  timeoutMessage: string
  /** What undoes the step once it succeeded, or may have (it timed out). */
  undo: CompensationName[]
}

/** The saga, in order: validation happens before it starts (a bad order never becomes one). */
export const FORWARD_STEPS: readonly ForwardStep[] = [
  {
    name: 'authorize_payment',
    status: 'payment_authorizing',
    command: 'payment.authorization_requested',
    succeeded: 'payment.authorized',
    failed: 'payment.declined',
    timeoutReason: 'payment_timeout',
    timeoutMessage: 'The payment provider did not answer in time.',
    undo: ['void_payment'],
  },
  {
    name: 'reserve_inventory',
    status: 'inventory_reserving',
    command: 'inventory.reservation_requested',
    succeeded: 'inventory.reserved',
    failed: 'inventory.reservation_failed',
    timeoutReason: 'inventory_timeout',
    timeoutMessage: 'We could not reserve your items in time.',
    undo: ['release_inventory'],
  },
  {
    name: 'create_shipment',
    status: 'shipment_creating',
    command: 'shipment.creation_requested',
    succeeded: 'shipment.created',
    failed: 'shipment.failed',
    timeoutReason: 'shipping_timeout',
    timeoutMessage: 'No carrier confirmed the shipment in time.',
    undo: ['cancel_shipment'],
  },
  {
    name: 'capture_payment',
    status: 'payment_capturing',
    command: 'payment.capture_requested',
    succeeded: 'payment.captured',
    failed: 'payment.capture_failed',
    timeoutReason: 'payment_timeout',
    timeoutMessage: 'The payment provider did not answer in time.',
    // A capture that may have happened is refunded; the authorization is then voided.
    undo: ['refund_payment'],
  },
]

/** Each compensation's command and the answers that say it is done. */
export const COMPENSATIONS: Record<CompensationName, { command: EventType; done: EventType[] }> = {
  cancel_shipment: { command: 'shipment.cancellation_requested', done: ['shipment.cancelled'] },
  release_inventory: { command: 'inventory.release_requested', done: ['inventory.released'] },
  refund_payment: { command: 'payment.refund_requested', done: ['payment.refunded'] },
  // A void that finds the payment captured refunds it instead: the money is back either way.
  void_payment: { command: 'payment.void_requested', done: ['payment.voided', 'payment.refunded'] },
}

/** Every answer the orchestrator listens for. */
export const ANSWER_TYPES: readonly EventType[] = [
  ...FORWARD_STEPS.flatMap((s) => [s.succeeded, s.failed]),
  ...new Set(Object.values(COMPENSATIONS).flatMap((c) => c.done)),
]

export type StepName = ForwardStepName | CompensationName

/** Where a saga stands, as the store keeps it. */
export interface SagaState {
  orderId: string
  status: OrderStatus
  phase: 'forward' | 'compensating' | 'done'
  step: StepName | null
  commandId: string | null
  attempt: number
  deadlineAt: number | null
  deadlineKind: 'answer' | 'retry' | null
  done: ForwardStepName[]
  compensations: CompensationName[]
  reason: string | null
  message: string | null
}

export interface SagaSettings {
  stepTimeoutMs: number
  /** Attempts of a forward step before it fails with its timeout reason. */
  stepAttempts: number
  retryBackoffMs: number
  /** Sagas under way beyond which new orders are refused (0 or absent: no limit). */
  maxInFlight?: number
}

export interface HistoryEntry {
  step: string
  outcome: 'started' | 'succeeded' | 'failed' | 'retried' | 'timed_out' | 'compensated'
  detail?: string
}

/** What a transition asks for: the new state, a command to (re)send, history to record. */
export interface Transition {
  state: SagaState
  /** The current step's command, to send now. */
  send: { step: StepName; command: EventType; commandId: string } | null
  history: HistoryEntry[]
  /** Whether the order's status changed (an `order.status_updated` goes out). */
  statusChanged: boolean
}

/** A participant's answer, as the orchestrator reads it. */
export interface Answer {
  type: EventType
  commandId: string
  reason?: string
  message?: string
}

/** One id per saga and command, the same on every retry: participants apply it once. */
export function commandIdOf(orderId: string, step: StepName): string {
  return `${orderId}/${step}`
}

const forwardStep = (name: StepName | null) => FORWARD_STEPS.find((s) => s.name === name)

function waitFor(
  state: SagaState,
  step: StepName,
  status: OrderStatus,
  now: number,
  settings: SagaSettings,
): SagaState {
  return {
    ...state,
    status,
    step,
    commandId: commandIdOf(state.orderId, step),
    attempt: 1,
    deadlineAt: now + settings.stepTimeoutMs,
    deadlineKind: 'answer',
  }
}

function commandOf(state: SagaState): Transition['send'] {
  const step = state.step
  if (!step || !state.commandId) return null
  const command = forwardStep(step)?.command ?? COMPENSATIONS[step as CompensationName].command
  return { step, command, commandId: state.commandId }
}

/** A new saga, waiting for its first step (the order is already validated). */
export function startSaga(orderId: string, now: number, settings: SagaSettings): Transition {
  const first = FORWARD_STEPS[0] as ForwardStep
  const blank: SagaState = {
    orderId,
    status: 'placed',
    phase: 'forward',
    step: null,
    commandId: null,
    attempt: 1,
    deadlineAt: null,
    deadlineKind: null,
    done: [],
    compensations: [],
    reason: null,
    message: null,
  }
  const state = waitFor(blank, first.name, first.status, now, settings)
  return {
    state,
    send: commandOf(state),
    history: [
      { step: 'validate', outcome: 'succeeded' },
      { step: first.name, outcome: 'started' },
    ],
    statusChanged: true,
  }
}

/** Runs the next compensation, or ends the saga cancelled when none is left. */
function compensateNext(
  state: SagaState,
  plan: CompensationName[],
  now: number,
  settings: SagaSettings,
  history: HistoryEntry[],
): Transition {
  const [next, ...rest] = plan
  if (!next) {
    const ended: SagaState = {
      ...state,
      status: 'cancelled',
      phase: 'done',
      step: null,
      commandId: null,
      deadlineAt: null,
      deadlineKind: null,
      compensations: [],
    }
    return {
      state: ended,
      send: null,
      history: [
        ...history,
        { step: 'cancelled', outcome: 'succeeded', detail: state.reason ?? '' },
      ],
      statusChanged: true,
    }
  }
  const wasCompensating = state.phase === 'compensating'
  const compensating = waitFor(
    { ...state, phase: 'compensating', compensations: rest },
    next,
    'compensating',
    now,
    settings,
  )
  return {
    state: compensating,
    send: commandOf(compensating),
    history: [...history, { step: next, outcome: 'started' }],
    statusChanged: !wasCompensating,
  }
}

/**
 * The compensations after a failure: every step that succeeded, and the one that timed out (it may
 * have happened), undone in reverse. Authorizing is the first step, so its void comes last, after
 * the refund of a capture that may have happened.
 */
function undoPlan(done: ForwardStepName[], uncertain: ForwardStepName | null): CompensationName[] {
  const steps = uncertain ? [...done, uncertain] : done
  return steps.toReversed().flatMap((name) => forwardStep(name)?.undo ?? [])
}

/**
 * A participant answered. Answers to a command the saga is no longer waiting for (a late answer to
 * an attempt that timed out, a duplicate) change nothing: null.
 */
export function onAnswer(
  state: SagaState,
  answer: Answer,
  now: number,
  settings: SagaSettings,
): Transition | null {
  if (state.phase === 'done' || answer.commandId !== state.commandId) return null
  const forward = forwardStep(state.step)
  if (state.phase === 'compensating') {
    const compensation = COMPENSATIONS[state.step as CompensationName]
    if (!compensation?.done.includes(answer.type)) return null
    const history: HistoryEntry[] = [{ step: state.step as string, outcome: 'compensated' }]
    return compensateNext(state, state.compensations, now, settings, history)
  }
  if (!forward) return null
  if (answer.type === forward.succeeded) {
    const done = [...state.done, forward.name]
    const history: HistoryEntry[] = [{ step: forward.name, outcome: 'succeeded' }]
    const next = FORWARD_STEPS[FORWARD_STEPS.indexOf(forward) + 1]
    if (!next) {
      const completed: SagaState = {
        ...state,
        done,
        status: 'completed',
        phase: 'done',
        step: null,
        commandId: null,
        deadlineAt: null,
        deadlineKind: null,
      }
      history.push({ step: 'completed', outcome: 'succeeded' })
      return { state: completed, send: null, history, statusChanged: true }
    }
    const waiting = waitFor({ ...state, done }, next.name, next.status, now, settings)
    history.push({ step: next.name, outcome: 'started' })
    return { state: waiting, send: commandOf(waiting), history, statusChanged: true }
  }
  if (answer.type === forward.failed) {
    const reason = answer.reason ?? 'failed'
    const failed = { ...state, reason, message: answer.message ?? null }
    const history: HistoryEntry[] = [{ step: forward.name, outcome: 'failed', detail: reason }]
    return compensateNext(failed, undoPlan(state.done, null), now, settings, history)
  }
  return null
}

/** Backoff before attempt `attempt + 1`: doubled each time, at most 32 times the base. */
function backoffMs(attempt: number, settings: SagaSettings): number {
  return settings.retryBackoffMs * 2 ** Math.min(attempt - 1, 5)
}

/**
 * The saga's deadline passed. An overdue answer schedules a retry after a backoff; a due retry
 * sends the command again. A forward step out of attempts fails with its timeout reason and
 * compensates (the step itself included: it may have happened); a compensation is retried until it
 * answers, since a cancelled order must not keep what it took.
 */
export function onDeadline(
  state: SagaState,
  now: number,
  settings: SagaSettings,
): Transition | null {
  if (state.phase === 'done' || state.deadlineAt === null || state.deadlineAt > now) return null
  const step = state.step as StepName
  if (state.deadlineKind === 'retry') {
    const retried: SagaState = {
      ...state,
      attempt: state.attempt + 1,
      deadlineAt: now + settings.stepTimeoutMs,
      deadlineKind: 'answer',
    }
    return {
      state: retried,
      send: commandOf(retried),
      history: [{ step, outcome: 'retried', detail: `attempt ${retried.attempt}` }],
      statusChanged: false,
    }
  }
  const forward = forwardStep(step)
  const history: HistoryEntry[] = [
    { step, outcome: 'timed_out', detail: `attempt ${state.attempt}` },
  ]
  if (forward && state.attempt >= settings.stepAttempts) {
    const failed = { ...state, reason: forward.timeoutReason, message: forward.timeoutMessage }
    return compensateNext(failed, undoPlan(state.done, forward.name), now, settings, history)
  }
  const waiting: SagaState = {
    ...state,
    deadlineAt: now + backoffMs(state.attempt, settings),
    deadlineKind: 'retry',
  }
  return { state: waiting, send: null, history, statusChanged: false }
}
