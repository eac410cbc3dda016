import { ShopRejectedError, ShopUnavailableError } from './client.ts'
import { ShopBusyError, ShopSession } from './session.ts'
import { type Catalog, pickProduct, type Rng, type Shopper } from './shoppers.ts'

// Buyers: a few simulated shoppers with accounts, who place real orders through `POST /api/orders`
// so the order saga runs — payment, stock, shipping, notifications — now and then with a card the
// payment provider declines. Their tastes are those of the first planted shoppers.

/** The payment provider's fixed test cards (services/payments): one succeeds, two are declined. */
export const CARDS = {
  ok: '4242 4242 4242 4242',
  declined: '4000 0000 0000 0002',
  insufficientFunds: '4000 0000 0000 9995',
} as const

const ADDRESS = {
  name: 'Simulated Buyer',
  street: '1 Event Street',
  city: 'Streamtown',
  postalCode: '10101',
  country: 'Simland',
}

// How long the summary waits for the last orders' sagas to end before counting them as under way.
const SETTLE_MS = 5000
const STATUS_CHECKS_IN_FLIGHT = 8
/** The newest orders whose outcome the summary reports. */
export const FOLLOWED_ORDERS = 1000
/** Sends of one order a busy shop may refuse before it counts as an error. */
const BUSY_ATTEMPTS = 5

export interface OrderOptions {
  seed: number
  buyers: number
  /** The share of orders paid with a declining test card. */
  declines: number
  password: string
}

export interface OrderCounts {
  /** Accepted by the shop (202): each starts a saga. */
  placed: number
  /** Of those, paid with a declining test card on purpose. */
  declinedCards: number
  /** Refused with a 4xx (a product gone, a price changed): the simulator's catalog is stale. */
  refused: number
  /** Times the shop said it was busy (503 with Retry-After); the order was sent again after. */
  busy: number
  errors: number
}

export interface OrderOutcomes {
  completed: number
  cancelled: number
  underway: number
  /** Why cancelled orders were cancelled (card_declined, out_of_stock, …). */
  reasons: Record<string, number>
}

/** An email no real mailbox has: `.invalid` is reserved for that (RFC 2606). */
export function buyerEmail(seed: number, n: number): string {
  return `sim-${seed}-buyer-${n}@simulate.invalid`
}

export class Buyers {
  readonly counts: OrderCounts = { placed: 0, declinedCards: 0, refused: 0, busy: 0, errors: 0 }
  readonly #idle: { session: ShopSession; shopper: Shopper }[]
  readonly #placed: { session: ShopSession; orderId: string }[] = []
  #inFlight = 0
  #lastRefusal: string | undefined

  private constructor(signedIn: { session: ShopSession; shopper: Shopper }[]) {
    this.#idle = signedIn
  }

  /**
   * Signs the buyers in (registering them on a first run). The shop limits sign-ins per client, so
   * a refusal there is returned as the reason there are no buyers rather than ending the run.
   */
  static async signIn(
    url: string,
    shoppers: readonly Shopper[],
    opts: OrderOptions,
  ): Promise<{ buyers: Buyers; refused?: string }> {
    const signedIn: { session: ShopSession; shopper: Shopper }[] = []
    for (let n = 1; n <= Math.min(opts.buyers, shoppers.length); n++) {
      const session = new ShopSession(url)
      try {
        await session.signIn({
          name: `Simulated buyer ${n}`,
          email: buyerEmail(opts.seed, n),
          password: opts.password,
        })
      } catch (error) {
        if (!(error instanceof ShopRejectedError)) throw error
        return { buyers: new Buyers(signedIn), refused: error.message }
      }
      signedIn.push({ session, shopper: shoppers[n - 1] as Shopper })
    }
    return { buyers: new Buyers(signedIn) }
  }

  get size(): number {
    return this.#idle.length + this.#inFlight
  }

  /** Whether a buyer is free to place an order now (each places one at a time). */
  get ready(): boolean {
    return this.#idle.length > 0
  }

  get inFlight(): number {
    return this.#inFlight
  }

  /** A refusal the shop gave for an order, if any: the run reports it. */
  get lastRefusal(): string | undefined {
    return this.#lastRefusal
  }

  /** One order of 1–2 products the buyer likes, paid with a declining card at the asked share. */
  async placeOne(catalog: Catalog, rng: Rng, declines: number): Promise<void> {
    const buyer = this.#idle.shift()
    if (!buyer) return
    this.#inFlight++
    const lines = new Map<string, number>()
    const count = 1 + Math.floor(rng() * 2)
    for (let i = 0; i < count; i++) {
      const { id } = pickProduct(buyer.shopper, catalog, rng)
      lines.set(id, (lines.get(id) ?? 0) + 1)
    }
    const declined = rng() < declines
    const cardNumber = declined
      ? rng() < 0.5
        ? CARDS.declined
        : CARDS.insufficientFunds
      : CARDS.ok
    const key = crypto.randomUUID()
    const place = () =>
      buyer.session.placeOrder(
        [...lines].map(([productId, quantity]) => ({ productId, quantity })),
        { cardNumber },
        ADDRESS,
        key,
      )
    try {
      let placed: Awaited<ReturnType<typeof place>> | null = null
      // A busy shop asks for the same order again later: the buyer waits, then resends it with
      // the same key (it becomes one order however often it is sent).
      for (let attempt = 1; !placed; attempt++) {
        try {
          placed = await place()
        } catch (error) {
          if (!(error instanceof ShopBusyError) || attempt >= BUSY_ATTEMPTS) throw error
          this.counts.busy++
          await Bun.sleep(error.retryAfterMs)
        }
      }
      this.counts.placed++
      if (declined) this.counts.declinedCards++
      this.#placed.push({ session: buyer.session, orderId: placed.orderId })
      // The summary follows the newest orders; a run of days must not keep every id.
      if (this.#placed.length > FOLLOWED_ORDERS) this.#placed.shift()
    } catch (error) {
      if (error instanceof ShopRejectedError) {
        this.counts.refused++
        this.#lastRefusal = error.message
      } else if (error instanceof ShopUnavailableError) this.counts.errors++
      else throw error
    } finally {
      this.#inFlight--
      this.#idle.push(buyer)
    }
  }

  /**
   * How the placed orders ended, after giving the last ones a few seconds: completed, cancelled
   * (with why) or still under way.
   */
  async outcomes(signal?: AbortSignal): Promise<OrderOutcomes> {
    const outcome: OrderOutcomes = { completed: 0, cancelled: 0, underway: 0, reasons: {} }
    const settleBy = performance.now() + SETTLE_MS
    const queue = [...this.#placed]
    const check = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        let state = await next.session.order(next.orderId).catch(() => null)
        while (
          state &&
          !signal?.aborted &&
          state.status !== 'completed' &&
          state.status !== 'cancelled' &&
          performance.now() < settleBy
        ) {
          await Bun.sleep(200)
          state = await next.session.order(next.orderId).catch(() => null)
        }
        if (state?.status === 'completed') outcome.completed++
        else if (state?.status === 'cancelled') {
          outcome.cancelled++
          const reason = state.reason ?? 'unknown'
          outcome.reasons[reason] = (outcome.reasons[reason] ?? 0) + 1
        } else outcome.underway++
      }
    }
    await Promise.all(Array.from({ length: STATUS_CHECKS_IN_FLIGHT }, check))
    return outcome
  }
}
