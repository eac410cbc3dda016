import { Hono } from 'hono'
import { Layout } from '../layout.tsx'

/** The home page; the catalog fills it in. */
export function homeRoutes(): Hono {
  const app = new Hono()
  app.get('/', (c) => {
    const visitor = c.get('visitor')
    return c.html(
      <Layout title="Home" visitor={visitor}>
        <h1>{visitor.user ? `Welcome back, ${visitor.user.name}` : 'Welcome to Streamshop'}</h1>
      </Layout>,
    )
  })
  return app
}
