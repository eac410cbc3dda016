// The admin's Users tab: registrations and active users against the period before, growth over 7
// and 30 days (a chart), and accounts per role, live.
import { Hono } from 'hono'
import { usersPerRole, type VisitorEnv } from '../../../services/accounts/index.ts'
import { type UsersSummary, usersSummary } from '../../../services/analytics/index.ts'
import type { Db } from '../../../shared/db/client.ts'
import { parseDayRange } from '../../../shared/http/day-range.ts'
import { rangePart } from './range-part.ts'
import { UsersPage } from './users-views.tsx'

/** The range's users, with the accounts per role from the accounts context. */
export function usersWithRoles(db: Db, range: { from: number; to: number }): Promise<UsersSummary> {
  return usersSummary(db, range, { countRoles: () => usersPerRole(db) })
}

export function adminUsersPages(deps: { db: Db }): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
  app.get('/admin/users', async (c) => {
    const range = parseDayRange(c.req.query())
    return c.html(
      <UsersPage
        visitor={c.get('visitor')}
        range={range.days}
        summary={await usersWithRoles(deps.db, range)}
        live={rangePart('admin-users', range)}
      />,
    )
  })
  return app
}
