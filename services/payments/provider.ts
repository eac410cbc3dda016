// A simulated card payment provider, in-process. It decides like a real one would — the fixed test
// cards always answer the same, other cards fail at the configured rate — and takes its time, so
// declines and step timeouts can be forced in tests and demos. It keeps no state: what happened to
// a payment is ours to record (payments.ts); the provider only answers, and answers a repeated
// idempotency key the way it answered it the first time.
import { ValidationError } from '../../shared/errors.ts'

/** The test cards, as payment providers publish them: each always gives the same answer. */
const TEST_CARDS: Record<string, CardKind> = {
  '4242424242424242': 'success',
  '4000000000000002': 'declined',
  '4000000000009995': 'nofunds',
}

/** `success`, `declined` and `nofunds` are the test cards; `card` is any other (ordinary) card. */
export type CardKind = 'success' | 'declined' | 'nofunds' | 'card'

const TOKEN = /^tok_(success|declined|nofunds|card)_(\d{4})$/

/** Why the provider refused, and what to tell the shopper. */
export const DECLINES = {
  card_declined: 'Your card was declined.',
  insufficient_funds: 'Your card has insufficient funds.',
  invalid_card: 'Your card could not be read. Please enter it again.',
} as const
export type DeclineReason = keyof typeof DECLINES

export type AuthorizationResult =
  | { ok: true }
  | { ok: false; reason: DeclineReason; message: (typeof DECLINES)[DeclineReason] }

function luhnValid(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i])
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}

/**
 * Exchanges a card number for a token (`tok_<kind>_<last4>`), so that the number never leaves
 * checkout: orders, events and logs carry only the token. Spaces and dashes are ignored; a number
 * that is not a card number (length, digits, Luhn check) is refused.
 *
 * @example tokenizeCard('4242 4242 4242 4242') // 'tok_success_4242'
 */
export function tokenizeCard(cardNumber: string): string {
  const digits = cardNumber.replace(/[\s-]/g, '')
  if (!/^\d{12,19}$/.test(digits) || !luhnValid(digits)) {
    const message = 'Your card number is incorrect.'
    throw new ValidationError(message, [{ field: 'cardNumber', message }])
  }
  return `tok_${TEST_CARDS[digits] ?? 'card'}_${digits.slice(-4)}`
}

/** What a token says about its card, or null when it is not one of ours. */
export function parseCardToken(token: string): { kind: CardKind; last4: string } | null {
  const match = TOKEN.exec(token)
  if (!match) return null
  return { kind: match[1] as CardKind, last4: match[2] as string }
}

/** The card's last four digits, for "•••• 4242"; `????` for a token that is not one of ours. */
export function cardLast4(token: string): string {
  return parseCardToken(token)?.last4 ?? '????'
}

/** A stable number in [0, 1) for a string: the provider's coin, the same on every call. */
function fraction(text: string): number {
  return Number(BigInt.asUintN(53, BigInt(Bun.hash(text)))) / 2 ** 53
}

function decline(reason: DeclineReason): AuthorizationResult {
  return { ok: false, reason, message: DECLINES[reason] }
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
function wait(ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  if (ms <= 0) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

export interface ProviderOptions {
  /** The share of ordinary cards' authorizations that are declined, 0 to 1. */
  failureRate: number
  /** Each call answers after between half of this and this many ms. */
  latencyMs: number
}

/** The call every operation carries: its idempotency key (the saga command's id). */
export interface ProviderCall {
  key: string
}

/**
 * The simulated provider. Every decision and every delay is derived from the idempotency key, so a
 * retried call — `prepare` runs again on a retry or a redelivery — gets the first call's answer.
 * Capture, void and refund always succeed: the failures worth simulating are card declines (at
 * authorization) and slowness; whether there is anything to capture is the payment's state, ours.
 */
export class PaymentProvider {
  readonly failureRate: number
  readonly latencyMs: number

  constructor(options: ProviderOptions) {
    if (!(options.failureRate >= 0 && options.failureRate <= 1))
      throw new RangeError(`failureRate must be within 0 and 1, not ${options.failureRate}`)
    if (!(options.latencyMs >= 0))
      throw new RangeError(`latencyMs must be 0 or more, not ${options.latencyMs}`)
    this.failureRate = options.failureRate
    this.latencyMs = options.latencyMs
  }

  /** Holds `amountMinor` on the card, or declines with a reason and a message for the shopper. */
  async authorize(
    call: ProviderCall & { token: string; amountMinor: number; currency: string },
    signal?: AbortSignal,
  ): Promise<AuthorizationResult> {
    await this.#answerTime('authorize', call.key, signal)
    const card = parseCardToken(call.token)
    if (!card) return decline('invalid_card')
    if (card.kind === 'declined') return decline('card_declined')
    if (card.kind === 'nofunds') return decline('insufficient_funds')
    if (card.kind === 'card' && fraction(`authorize:${call.key}`) < this.failureRate)
      return decline('card_declined')
    return { ok: true }
  }

  /** Takes the held amount. */
  async capture(call: ProviderCall, signal?: AbortSignal): Promise<void> {
    await this.#answerTime('capture', call.key, signal)
  }

  /** Releases the hold. */
  async void(call: ProviderCall, signal?: AbortSignal): Promise<void> {
    await this.#answerTime('void', call.key, signal)
  }

  /** Gives a captured amount back. */
  async refund(call: ProviderCall, signal?: AbortSignal): Promise<void> {
    await this.#answerTime('refund', call.key, signal)
  }

  /** How long a call takes: between half of latencyMs and latencyMs, the same for the same key. */
  answerTimeMs(operation: string, key: string): number {
    return Math.round(this.latencyMs * (0.5 + 0.5 * fraction(`latency:${operation}:${key}`)))
  }

  #answerTime(operation: string, key: string, signal?: AbortSignal): Promise<void> {
    return wait(this.answerTimeMs(operation, key), signal)
  }
}
