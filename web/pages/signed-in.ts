import type { MiddlewareHandler } from 'hono'
import type { VisitorEnv } from '../../services/accounts/index.ts'

/** A page for signed-in shoppers: a guest is sent to log in, and comes back here after. */
export const signedIn: MiddlewareHandler<VisitorEnv> = async (c, next) => {
  if (c.get('visitor').user) return next()
  return c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`, 303)
}
