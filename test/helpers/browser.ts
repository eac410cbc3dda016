import type { Hono } from 'hono'

/**
 * A cookie-keeping client over `app.request`, for page flows without a network: it remembers
 * cookies like a browser and reads the CSRF token from the last page it saw.
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>()
  lastHtml = ''
  constructor(private readonly app: Hono) {}

  #cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  #remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const eq = pair?.indexOf('=') ?? -1
      if (!pair || eq < 0) continue
      const name = pair.slice(0, eq)
      const value = pair.slice(eq + 1)
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }

  /** One request; with `follow`, a 303 is followed with a GET as a browser would (the 303 is returned). */
  async request(path: string, init: RequestInit = {}, follow = true): Promise<Response> {
    const headers = new Headers(init.headers)
    if (!headers.has('accept')) headers.set('accept', 'text/html')
    if (this.cookies.size) headers.set('cookie', this.#cookieHeader())
    const res = await this.app.request(path, { ...init, headers })
    this.#remember(res)
    // An htmx answer is a fragment: the page the browser shows (and its token) stays.
    const isPage =
      (res.headers.get('content-type') ?? '').includes('text/html') && !headers.has('hx-request')
    if (isPage) this.lastHtml = await res.clone().text()
    const location = res.headers.get('location')
    if (follow && res.status === 303 && location?.startsWith('/'))
      await this.request(location, {}, false)
    return res
  }

  get(path: string): Promise<Response> {
    return this.request(path)
  }

  /** Posts a form as the browser would, with the page's CSRF token unless `csrf: false`. */
  async post(
    path: string,
    form: Record<string, string>,
    opts: { csrf?: boolean; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const body = new URLSearchParams(form)
    if (opts.csrf !== false) body.set('_csrf', this.csrfToken())
    return this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...opts.headers },
      body: body.toString(),
    })
  }

  /** A JSON API call as a page's script makes it: JSON both ways, with the CSRF header. */
  json(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return this.request(path, {
      method,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'x-csrf-token': this.csrfToken(),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  }

  csrfToken(): string {
    const match =
      this.lastHtml.match(/name="_csrf" value="([^"]+)"/) ??
      this.lastHtml.match(/name="csrf-token" content="([^"]+)"/)
    if (!match?.[1]) throw new Error('No CSRF token on the last page; get a page first')
    return match[1]
  }
}
