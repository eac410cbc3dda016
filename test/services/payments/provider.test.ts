import { describe, expect, test } from 'bun:test'
import { cardLast4, PaymentProvider, tokenizeCard } from '../../../services/payments/index.ts'
import { ValidationError } from '../../../shared/errors.ts'

const SUCCEEDS = '4242 4242 4242 4242'
const DECLINED = '4000 0000 0000 0002'
const NO_FUNDS = '4000 0000 0000 9995'
// Luhn-valid numbers that are none of the test cards.
const ORDINARY = '5555 5555 5555 4444'

const instant = (failureRate = 0) => new PaymentProvider({ failureRate, latencyMs: 0 })
const charge = (token: string, key = crypto.randomUUID()) => ({
  key,
  token,
  amountMinor: 1999,
  currency: 'EUR',
})

describe('tokenizeCard', () => {
  test('turns a card number into a token that keeps only the kind and the last four digits', () => {
    expect(tokenizeCard(SUCCEEDS)).toBe('tok_success_4242')
    expect(tokenizeCard('4000-0000-0000-0002')).toBe('tok_declined_0002')
    expect(tokenizeCard(NO_FUNDS)).toBe('tok_nofunds_9995')
    expect(tokenizeCard(ORDINARY)).toBe('tok_card_4444')
    for (const card of [SUCCEEDS, DECLINED, NO_FUNDS, ORDINARY]) {
      const token = tokenizeCard(card)
      expect(token).not.toContain(card.replaceAll(' ', '').slice(0, 12))
      expect(cardLast4(token)).toBe(card.slice(-4))
    }
    expect(cardLast4('not-a-token')).toBe('????')
  })

  test('refuses what is not a card number', () => {
    for (const bad of ['', '4242', '4242 4242 4242 4241', 'abcd efgh ijkl mnop', '4'.repeat(20)]) {
      expect(() => tokenizeCard(bad)).toThrow(ValidationError)
    }
  })
})

describe('PaymentProvider', () => {
  test('the test cards always answer the same, whatever the failure rate', async () => {
    for (const failureRate of [0, 1]) {
      const provider = instant(failureRate)
      expect(await provider.authorize(charge(tokenizeCard(SUCCEEDS)))).toEqual({ ok: true })
      expect(await provider.authorize(charge(tokenizeCard(DECLINED)))).toEqual({
        ok: false,
        reason: 'card_declined',
        message: 'Your card was declined.',
      })
      expect(await provider.authorize(charge(tokenizeCard(NO_FUNDS)))).toEqual({
        ok: false,
        reason: 'insufficient_funds',
        message: 'Your card has insufficient funds.',
      })
    }
  })

  test('an ordinary card is declined at the failure rate, with card_declined', async () => {
    const token = tokenizeCard(ORDINARY)
    expect(await instant(0).authorize(charge(token))).toEqual({ ok: true })
    expect(await instant(1).authorize(charge(token))).toMatchObject({
      ok: false,
      reason: 'card_declined',
    })
    const provider = instant(0.3)
    let declined = 0
    const tries = 2000
    for (let i = 0; i < tries; i++) {
      const answer = await provider.authorize(charge(token, `cmd-${i}-${crypto.randomUUID()}`))
      if (!answer.ok) {
        expect(answer.reason).toBe('card_declined')
        declined++
      }
    }
    // 0.3 ± ~4.5 standard deviations (σ ≈ 0.0102 for 2,000 draws).
    expect(declined / tries).toBeGreaterThan(0.255)
    expect(declined / tries).toBeLessThan(0.345)
  })

  test('the same idempotency key always gets the same answer, from any instance', async () => {
    const token = tokenizeCard(ORDINARY)
    const keys = Array.from({ length: 200 }, () => crypto.randomUUID())
    const first = await Promise.all(keys.map((key) => instant(0.5).authorize(charge(token, key))))
    const again = await Promise.all(keys.map((key) => instant(0.5).authorize(charge(token, key))))
    expect(again).toEqual(first)
    // Not one answer for every key: the coin depends on the key.
    expect(new Set(first.map((a) => a.ok)).size).toBe(2)
  })

  test('an unknown token is declined as unreadable', async () => {
    expect(await instant().authorize(charge('tok_forged'))).toMatchObject({
      ok: false,
      reason: 'invalid_card',
    })
  })

  test('answers after between half the latency and the latency', async () => {
    const provider = new PaymentProvider({ failureRate: 0, latencyMs: 200 })
    const token = tokenizeCard(SUCCEEDS)
    for (const call of [
      () => provider.authorize(charge(token)),
      () => provider.capture({ key: crypto.randomUUID() }),
      () => provider.void({ key: crypto.randomUUID() }),
      () => provider.refund({ key: crypto.randomUUID() }),
    ]) {
      const started = performance.now()
      await call()
      const took = performance.now() - started
      expect(took).toBeGreaterThanOrEqual(95)
      expect(took).toBeLessThan(400)
    }
  })

  test('stops waiting as soon as the signal aborts', async () => {
    const provider = new PaymentProvider({ failureRate: 0, latencyMs: 10_000 })
    const started = performance.now()
    const aborted = provider.authorize(charge(tokenizeCard(SUCCEEDS)), AbortSignal.timeout(50))
    await expect(aborted).rejects.toThrow()
    expect(performance.now() - started).toBeLessThan(1000)
    const gone = new AbortController()
    gone.abort(new Error('closing'))
    await expect(provider.capture({ key: 'k' }, gone.signal)).rejects.toThrow('closing')
  })

  test('refuses a failure rate outside 0..1 and a negative latency', () => {
    expect(() => new PaymentProvider({ failureRate: 1.5, latencyMs: 0 })).toThrow(RangeError)
    expect(() => new PaymentProvider({ failureRate: 0, latencyMs: -1 })).toThrow(RangeError)
  })
})
