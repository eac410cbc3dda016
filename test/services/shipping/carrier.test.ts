import { describe, expect, test } from 'bun:test'
import { type Booking, Carrier } from '../../../services/shipping/index.ts'

const parcel = {
  address: {
    name: 'Ada Lovelace',
    street: '1 Analytical Way',
    city: 'London',
    postalCode: 'N1 9GU',
    country: 'United Kingdom',
  },
  items: [{ productId: 'p-1', quantity: 2 }],
}

const book = (carrier: Carrier, key: string) => carrier.book({ key, ...parcel })

describe('the simulated carrier', () => {
  test('answers a key the same way every time, even from another instance', async () => {
    const options = { failureRate: 0.5, latencyMs: 0 }
    const keys = Array.from({ length: 50 }, (_, i) => `order-${i}`)
    const first = await Promise.all(keys.map((k) => book(new Carrier(options), k)))
    const again = await Promise.all(keys.map((k) => book(new Carrier(options), k)))
    expect(again).toEqual(first)
    // Both answers occur among 50 keys at a rate of one half, so sameness is not a constant.
    expect(new Set(first.map((b) => b.ok))).toEqual(new Set([true, false]))
    const tracking = first.flatMap((b) => (b.ok ? [b.trackingId] : []))
    expect(new Set(tracking).size).toBe(tracking.length)
  })

  test('refuses about the configured share of parcels, with words a shopper understands', async () => {
    const keys = Array.from({ length: 4000 }, () => crypto.randomUUID())
    const refusedAt = async (failureRate: number) => {
      const carrier = new Carrier({ failureRate, latencyMs: 0 })
      const bookings: Booking[] = await Promise.all(keys.map((k) => book(carrier, k)))
      return bookings.filter((b) => !b.ok)
    }
    expect(await refusedAt(0)).toHaveLength(0)
    expect(await refusedAt(1)).toHaveLength(keys.length)
    const some = await refusedAt(0.2)
    // 4,000 fair draws at 20 %: 800 expected, with a standard deviation of about 25.
    expect(some.length).toBeGreaterThan(680)
    expect(some.length).toBeLessThan(920)
    expect(some[0]).toEqual({
      ok: false,
      reason: 'shipping_unavailable',
      message: 'No carrier can deliver this order right now.',
    })
  })

  test('takes up to its latency to answer', async () => {
    const carrier = new Carrier({ failureRate: 0, latencyMs: 40 })
    const started = performance.now()
    await Promise.all(Array.from({ length: 20 }, (_, i) => book(carrier, `k-${i}`)))
    const elapsed = performance.now() - started
    expect(elapsed).toBeLessThan(40 + 200)
    // Twenty independent waits spread over 0–40 ms: the longest is very unlikely under 10 ms.
    expect(elapsed).toBeGreaterThan(10)
  })

  test('stops waiting when its caller gives up', async () => {
    const carrier = new Carrier({ failureRate: 0, latencyMs: 60_000 })
    const controller = new AbortController()
    const started = performance.now()
    const booking = carrier.book({ key: 'slow', ...parcel }, controller.signal)
    setTimeout(() => controller.abort(), 20)
    await expect(booking).rejects.toThrow()
    expect(performance.now() - started).toBeLessThan(1_000)
    const aborted = AbortSignal.abort()
    await expect(carrier.book({ key: 'late', ...parcel }, aborted)).rejects.toThrow()
  })
})
