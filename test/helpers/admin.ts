// An admin for the tests of admin pages and APIs: the account on the shop, and browsers signed in
// as it.
import { ensureAdmin } from '../../services/accounts/accounts.ts'
import { unique } from './broker.ts'
import { TestBrowser } from './browser.ts'
import type { TestShop } from './shop.ts'

/** Creates an admin account on the shop; returns how to get a browser signed in as it. */
export async function adminOf(shop: TestShop): Promise<() => Promise<TestBrowser>> {
  const account = { email: `${unique('admin')}@example.test`, password: 'admin-password-123' }
  await ensureAdmin(shop.platform.database.db, account)
  return async () => {
    const browser = new TestBrowser(shop.app)
    await browser.get('/login')
    await browser.post('/login', account)
    return browser
  }
}

/**
 * A figure of an admin page as shown (`<div data-figure="id"><dt>…</dt><dd>value</dd>`): its text,
 * or undefined when the page has no such figure.
 */
export function figureOf(html: string, id: string): string | undefined {
  return html.match(new RegExp(`data-figure="${id}"><dt>[^<]*</dt><dd>([^<]*)</dd>`))?.[1]
}

/** The UTC date `offset` days from today, as the date filters take it (YYYY-MM-DD). */
export function utcDay(offset: number): string {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)
}

/** Yesterday to tomorrow: today's figures, even in a run that crosses midnight (UTC). */
export function aroundToday(): string {
  return `from=${utcDay(-1)}&to=${utcDay(1)}`
}

/** A figure of an admin page's live part, as its updates carry it. */
export interface LiveFigure {
  /** Every value the figure has had in the updates read so far, in order. */
  values(): number[]
  /** The stream as read so far. */
  text(): string
  /** Reads updates until `done` holds of the values, for at most 20 s. */
  until(done: (values: number[]) => boolean): Promise<void>
  close(): Promise<void>
}

/**
 * Follows the live part `part` (e.g. `admin-orders`) of the page the browser loaded last and reads
 * the figure `id` (`<div data-figure="id"><dt>…</dt><dd>n</dd>`) out of each update.
 */
export async function followFigure(
  browser: TestBrowser,
  part: string,
  id: string,
): Promise<LiveFigure> {
  const name = browser.lastHtml.match(new RegExp(`parts=(${part}%3A\\d+-\\d+(?:%7Ecompare)?)`))?.[1]
  if (!name) throw new Error(`the page has no ${part} part`)
  const abort = new AbortController()
  const res = await browser.request(`/live?parts=${name}`, { signal: abort.signal })
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const figure = new RegExp(`data-figure="${id}"><dt>[^<]*</dt><dd>(\\d+)</dd>`, 'g')
  let text = ''
  const values = () => [...text.matchAll(figure)].map((m) => Number(m[1]))
  return {
    values,
    text: () => text,
    until: async (done) => {
      const deadline = Date.now() + 20_000
      while (!done(values()) && Date.now() < deadline) {
        const { value, done: ended } = await reader.read()
        if (ended) break
        text += new TextDecoder().decode(value)
      }
    },
    close: async () => {
      abort.abort()
      await reader.cancel().catch(() => {})
    },
  }
}
