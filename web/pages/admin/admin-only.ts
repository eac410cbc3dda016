import type { MiddlewareHandler } from 'hono'
import { ForbiddenError, type VisitorEnv } from '../../../services/accounts/index.ts'

/** The admin area: a guest is sent to log in (and comes back), anyone but an admin gets a 403. */
export const adminOnly: MiddlewareHandler<VisitorEnv> = async (c, next) => {
  const { user } = c.get('visitor')
  if (!user)
    return c.redirect(
      `/login?next=${encodeURIComponent(c.req.path + new URL(c.req.url).search)}`,
      303,
    )
  if (user.role !== 'admin') throw new ForbiddenError('This page is for admins')
  return next()
}
