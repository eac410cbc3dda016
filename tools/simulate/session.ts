import { z } from 'zod'
import { ShopRejectedError, ShopUnavailableError } from './client.ts'

// A signed-in shopper's browser, as far as the simulator needs one: the shop's cookies, its CSRF
// token, and the two order endpoints. Checkout needs an account, so buyers sign in like people do:
// the registration form, or the log-in form when the account exists from an earlier run.

const TIMEOUT_MS = 10_000

export interface OrderLine {
  productId: string
  quantity: number
}

/** What `POST /api/orders` takes besides the lines: where to ship and how to pay. */
export interface Payment {
  cardNumber: string
}

const placed = z.object({ orderId: z.string(), status: z.string() })
const orderState = z.object({
  orderId: z.string(),
  status: z.string(),
  reason: z.string().nullish(),
})

/** The shop asked us to send the same request again later (503 with Retry-After). */
export class ShopBusyError extends ShopUnavailableError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message)
  }
}

export class ShopSession {
  readonly #base: string
  readonly #cookies = new Map<string, string>()
  #csrf = ''

  constructor(baseUrl: string) {
    this.#base = baseUrl.replace(/\/+$/, '')
  }

  async #request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    if (this.#cookies.size > 0)
      headers.set('cookie', [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; '))
    let response: Response
    try {
      response = await fetch(`${this.#base}${path}`, {
        ...init,
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error)
      throw new ShopUnavailableError(`cannot reach the shop at ${this.#base} (${why})`)
    }
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';')
      const at = pair.indexOf('=')
      if (at <= 0) continue
      const name = pair.slice(0, at).trim()
      const value = pair.slice(at + 1).trim()
      // An expired cookie is the shop taking it back (log-out, a rotated session).
      if (value === '' || /max-age=0\b/i.test(line)) this.#cookies.delete(name)
      else this.#cookies.set(name, value)
    }
    return response
  }

  /** Reads a page for its CSRF token, which belongs to whoever the cookies say we are. */
  async #refreshToken(): Promise<void> {
    const response = await this.#request('/login')
    const html = await response.text()
    const token = html.match(/<meta name="csrf-token" content="([^"]+)"/)?.[1]
    if (!token) throw new ShopRejectedError('GET /login: the page carries no CSRF token')
    this.#csrf = token
  }

  async #form(path: string, fields: Record<string, string>): Promise<Response> {
    return this.#request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, _csrf: this.#csrf }),
    })
  }

  /**
   * Registers the account, or logs in when it exists already. A 429 (the shop limits sign-ins per
   * client) or any other refusal is a ShopRejectedError naming it.
   */
  async signIn(account: { name: string; email: string; password: string }): Promise<void> {
    await this.#refreshToken()
    let response = await this.#form('/register', account)
    if (response.status === 409) {
      await response.body?.cancel()
      response = await this.#form('/login', { email: account.email, password: account.password })
    }
    if (response.status !== 303) {
      const why =
        response.status === 429 ? 'too many sign-ins from here; try again in a minute' : ''
      await response.body?.cancel()
      throw new ShopRejectedError(
        `signing in ${account.email} → ${response.status}${why ? `: ${why}` : ''}`,
      )
    }
    await response.body?.cancel()
    // The session is new: so is the token that goes with it.
    await this.#refreshToken()
  }

  /** Places an order; the key makes a resend after a lost answer the same order. */
  async placeOrder(
    lines: readonly OrderLine[],
    payment: Payment,
    address: Record<string, string>,
    key: string,
  ): Promise<{ orderId: string; status: string }> {
    const response = await this.#request('/api/orders', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'x-csrf-token': this.#csrf,
        'idempotency-key': key,
      },
      body: JSON.stringify({
        ...address,
        cardNumber: payment.cardNumber,
        expiry: '12/39',
        cvc: '123',
        items: lines,
      }),
    })
    return this.#json(response, 'POST /api/orders', placed)
  }

  /** Where an order stands now. */
  async order(orderId: string): Promise<z.output<typeof orderState>> {
    const path = `/api/orders/${encodeURIComponent(orderId)}`
    const response = await this.#request(path, { headers: { accept: 'application/json' } })
    return this.#json(response, `GET ${path}`, orderState)
  }

  async #json<S extends z.ZodType>(
    response: Response,
    what: string,
    schema: S,
  ): Promise<z.output<S>> {
    const text = await response.text()
    if (!response.ok) {
      const detail = (() => {
        try {
          return (JSON.parse(text) as { detail?: string }).detail ?? text.slice(0, 200)
        } catch {
          return text.slice(0, 200)
        }
      })()
      if (response.status === 503 && response.headers.has('retry-after')) {
        const seconds = Number(response.headers.get('retry-after'))
        throw new ShopBusyError(
          `${what} → 503: ${detail}`,
          Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000,
        )
      }
      const Failure = response.status >= 500 ? ShopUnavailableError : ShopRejectedError
      throw new Failure(`${what} → ${response.status}: ${detail}`)
    }
    const parsed = schema.safeParse(JSON.parse(text))
    if (!parsed.success)
      throw new ShopRejectedError(`${what} answered something else than expected`)
    return parsed.data
  }
}
