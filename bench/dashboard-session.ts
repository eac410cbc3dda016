// The bench's admin: the server's account, signed in through the shop's own login form (its CSRF
// token and cookies), and the dashboard part an open Overview page follows.
import type { ChildServer } from './lib/child.ts'

export interface DashboardSetup {
  admin: { email: string; password: string }
  /** The Overview's live part for today, as the page names it (`admin-overview:<from>-<to>`). */
  part: string
  productId: string
}

/** The text before the Overview's “Product views” figure in each update. */
export const VIEWS_FIGURE = /data-figure="views"><dt>[^<]*<\/dt><dd>/

function cookiesOf(res: Response, jar: Map<string, string>): void {
  for (const line of res.headers.getSetCookie()) {
    const [pair = ''] = line.split(';')
    const eq = pair.indexOf('=')
    if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
  }
}

/** Signs the server's admin in; returns the Cookie header its browser would send. */
export async function adminCookie(server: ChildServer, setup: DashboardSetup): Promise<string> {
  const jar = new Map<string, string>()
  const header = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
  const page = await fetch(`${server.url}/login`)
  cookiesOf(page, jar)
  const html = await page.text()
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1]
  if (!csrf) throw new Error('the login page has no CSRF token')
  const res = await fetch(`${server.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: header(),
      origin: server.url,
    },
    body: new URLSearchParams({ ...setup.admin, _csrf: csrf }),
  })
  cookiesOf(res, jar)
  await res.body?.cancel()
  if (res.status !== 303) throw new Error(`admin login: HTTP ${res.status}`)
  return header()
}

export async function dashboardSetup(server: ChildServer): Promise<DashboardSetup> {
  return (await (await fetch(`${server.url}/bench/setup`)).json()) as DashboardSetup
}

/** The live stream an open Overview page holds. */
export const livePath = (setup: DashboardSetup) => `/live?parts=${encodeURIComponent(setup.part)}`
