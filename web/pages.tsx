import { Hono } from 'hono'
import type { FC, PropsWithChildren } from 'hono/jsx'

const Layout: FC<PropsWithChildren<{ title: string }>> = ({ title, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{title} · Streamshop</title>
    </head>
    <body>
      <main>{children}</main>
    </body>
  </html>
)

/** Placeholder pages until the storefront lands: they say what runs and where to look. */
export function placeholderPages(): Hono {
  const app = new Hono()
  app.get('/', (c) =>
    c.html(
      <Layout title="Home">
        <h1>Streamshop</h1>
        <p>The event backbone is running. The storefront arrives with the next issue.</p>
        <ul>
          <li>
            <a href="/api/health">/api/health</a> · <a href="/readyz">/readyz</a> ·{' '}
            <a href="/metrics">/metrics</a>
          </li>
        </ul>
      </Layout>,
    ),
  )
  return app
}
