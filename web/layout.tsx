import type { FC, PropsWithChildren } from 'hono/jsx'
import type { Visitor } from '../services/accounts/index.ts'

export interface LayoutProps {
  title: string
  visitor: Visitor
  cartCount?: number
  /** The page's live parts (`recommendations`, `also-bought:<id>`): one stream carries them all. */
  live?: readonly string[]
  /** Extra scripts and stylesheets of ours (under /static) the page needs, e.g. the charts. */
  scripts?: readonly string[]
  styles?: readonly string[]
}

/** Where a page's live stream is served. */
export const LIVE_PATH = '/live'

/** Where a page's stream connects: its parts, each `name` or `name:argument`. */
export function livePath(parts: readonly string[]): string {
  return `${LIVE_PATH}?${new URLSearchParams({ parts: parts.join(',') })}`
}

/** The hidden field every unsafe form carries; htmx submits it with the form. */
export const CsrfField: FC<{ visitor: Visitor }> = ({ visitor }) => (
  <input type="hidden" name="_csrf" value={visitor.csrfToken} />
)

export const CartCount: FC<{ count: number; oob?: boolean }> = ({ count, oob }) => (
  <span id="cart-count" class="cart-count" hx-swap-oob={oob ? 'true' : undefined}>
    {count}
  </span>
)

/** The header's notifications menu: a link to the list, with the unread count; live on every page. */
export const NotificationsLink: FC<{ count: number }> = ({ count }) => (
  <a href="/notifications" id="notifications-link" class="notifications-link">
    Notifications <span class="cart-count">{count}</span>
    <span class="visually-hidden"> unread</span>
  </a>
)

const Header: FC<{ visitor: Visitor; cartCount: number }> = ({ visitor, cartCount }) => (
  <header class="site-header">
    <a class="logo" href="/">
      Streamshop
    </a>
    <form class="search" action="/search" method="get" aria-label="Search">
      <input
        type="search"
        name="q"
        placeholder="Search products"
        aria-label="Search products"
        hx-get="/search/suggest"
        hx-trigger="input changed delay:300ms, search"
        hx-target="#suggestions"
      />
      <div id="suggestions" class="suggestions" />
    </form>
    <nav class="account">
      <a href="/cart" class="cart-link">
        Cart <CartCount count={cartCount} />
      </a>
      {visitor.user ? (
        <>
          <a href="/orders">Orders</a>
          <NotificationsLink count={visitor.unreadNotifications} />
          {visitor.user.role === 'admin' ? <a href="/admin">Admin</a> : null}
          <form action="/logout" method="post" class="inline">
            <CsrfField visitor={visitor} />
            <button type="submit" class="link">
              Log out ({visitor.user.name})
            </button>
          </form>
        </>
      ) : (
        <>
          <a href="/login">Log in</a>
          <a href="/register">Register</a>
        </>
      )}
    </nav>
  </header>
)

/** Every page: header, main, and the scripts served from our own origin (the CSP allows only 'self'). */
export const Layout: FC<PropsWithChildren<LayoutProps>> = ({
  title,
  visitor,
  cartCount,
  live,
  scripts,
  styles,
  children,
}) => {
  const parts = [...(live ?? []), ...(visitor.user ? ['notifications'] : [])]
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content='{"includeIndicatorCSS": false}' />
        <meta name="csrf-token" content={visitor.csrfToken} />
        <title>{`${title} · Streamshop`}</title>
        <link rel="stylesheet" href="/static/app.css" />
        {(styles ?? []).map((href) => (
          <link rel="stylesheet" href={href} />
        ))}
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
      </head>
      <body>
        <Header visitor={visitor} cartCount={cartCount ?? visitor.cartCount} />
        <main>{children}</main>
        {parts.length ? <div id="live" hx-sse:connect={livePath(parts)} hidden /> : null}
        <footer class="site-footer">Streamshop · an event-driven shop</footer>
        {/*
        At the end of the body and not deferred: both run while the document is still loading, so
        htmx starts on DOMContentLoaded with its SSE extension registered. Deferred, htmx could
        start (it does on a timer once the document is no longer loading) before the extension's
        script had arrived, and the page's stream then never connected.
      */}
        <script src="/static/htmx.min.js" />
        <script src="/static/hx-sse.min.js" />
        {(scripts ?? []).map((src) => (
          <script src={src} />
        ))}
      </body>
    </html>
  )
}
