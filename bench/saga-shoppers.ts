// The shoppers of `bun run bench saga`, signed in the way a browser signs in: the registration
// page, its form with the CSRF token, the session cookie it sets, and the token of the next page
// (bound to the session) for the JSON API's X-CSRF-Token.

/** Where every bench order ships. */
const address = {
  name: 'Ada Lovelace',
  street: '1 Analytical Way',
  city: 'London',
  postalCode: 'N1 9GU',
  country: 'United Kingdom',
}

/** What an order request of this shopper carries besides its body. */
export interface SignedInShopper {
  email: string
  cookie: string
  csrfToken: string
}

export interface OrderLine {
  productId: string
  quantity: number
}

class CookieJar {
  readonly #cookies = new Map<string, string>()

  keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? ''
      const eq = pair.indexOf('=')
      if (eq > 0) this.#cookies.set(pair.slice(0, eq), pair.slice(eq + 1))
    }
  }

  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }
}

function tokenIn(html: string): string {
  const match =
    html.match(/name="_csrf" value="([^"]+)"/) ?? html.match(/name="csrf-token" content="([^"]+)"/)
  if (!match?.[1]) throw new Error('no CSRF token on the page')
  return match[1]
}

/** Registers a new shopper over HTTP and returns their session cookie and CSRF token. */
export async function registerShopper(baseUrl: string, label: string): Promise<SignedInShopper> {
  const jar = new CookieJar()
  const get = async (path: string) => {
    const res = await fetch(`${baseUrl}${path}`, {
      headers: { cookie: jar.header(), accept: 'text/html' },
    })
    jar.keep(res)
    return res.text()
  }
  const form = await get('/register')
  const email = `${label}-${Bun.randomUUIDv7()}@example.test`
  const res = await fetch(`${baseUrl}/register`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      name: 'Bench Shopper',
      email,
      password: 'correct horse battery staple',
      _csrf: tokenIn(form),
    }).toString(),
  })
  jar.keep(res)
  await res.body?.cancel()
  if (res.status !== 303) throw new Error(`POST /register answered ${res.status}`)
  return { email, cookie: jar.header(), csrfToken: tokenIn(await get('/orders')) }
}

/** The body of `POST /api/orders`: the test card that always succeeds, shipped to one address. */
export function orderBody(items: OrderLine[]): string {
  return JSON.stringify({
    ...address,
    cardNumber: '4242 4242 4242 4242',
    expiry: '12/39',
    cvc: '123',
    items,
  })
}

/** A small seeded generator, so that both targets get the same sequence of orders. */
export function orderLines(products: { id: string }[], seed: number): () => OrderLine[] {
  let state = seed >>> 0
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return () => {
    const lines = 1 + Math.floor(random() * 3)
    const first = Math.floor(random() * products.length)
    return Array.from({ length: Math.min(lines, products.length) }, (_, i) => ({
      productId: (products[(first + i) % products.length] as { id: string }).id,
      quantity: 1 + Math.floor(random() * 2),
    }))
  }
}
