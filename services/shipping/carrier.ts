// The carrier, simulated in-process: it answers after a while and refuses a configurable share of
// parcels, so that shipping failures and slow answers can be forced in tests and demos.
import type { EventData } from '../../shared/events/types.ts'

type CreationRequest = EventData<'shipment.creation_requested'>

export interface CarrierOptions {
  /** Share of bookings refused (0 to 1). */
  failureRate: number
  /** The longest a booking takes, in ms. */
  latencyMs: number
}

/** A parcel to book. The carrier answers the same `key` the same way every time it is asked. */
export interface BookingRequest {
  key: string
  address: CreationRequest['address']
  items: CreationRequest['items']
}

export type Booking =
  | { ok: true; trackingId: string }
  | { ok: false; reason: 'shipping_unavailable'; message: string }

/** How finely the failure coin is cut: a rate of 0.1 % still means something. */
const COIN_SIDES = 1_000_000n

/** A simulated carrier: deterministic per booking key, with latency that honours an abort. */
export class Carrier {
  readonly #failureRate: number
  readonly #latencyMs: number

  constructor(options: CarrierOptions) {
    this.#failureRate = options.failureRate
    this.#latencyMs = options.latencyMs
  }

  /**
   * Books a parcel. The answer depends only on the key (a hash, not Math.random), so a retry of a
   * booking — after a timeout, a crash or a redelivery — agrees with the first call, as a real
   * carrier's idempotency key would make it. Rejects if `signal` aborts while it waits.
   */
  async book(request: BookingRequest, signal?: AbortSignal): Promise<Booking> {
    await this.#answerTime(signal)
    const hash = Bun.hash.wyhash(request.key)
    const coin = Number(hash % COIN_SIDES) / Number(COIN_SIDES)
    if (coin < this.#failureRate) {
      return {
        ok: false,
        reason: 'shipping_unavailable',
        message: 'No carrier can deliver this order right now.',
      }
    }
    return { ok: true, trackingId: `trk_${hash.toString(36)}` }
  }

  #answerTime(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted()
    // Only the answer is deterministic: how long it takes varies, as a real carrier's would.
    const ms = Math.random() * this.#latencyMs
    return new Promise((resolve, reject) => {
      const timer = setTimeout(done, ms)
      function done() {
        signal?.removeEventListener('abort', aborted)
        resolve()
      }
      function aborted() {
        clearTimeout(timer)
        reject(signal?.reason)
      }
      signal?.addEventListener('abort', aborted, { once: true })
    })
  }
}
