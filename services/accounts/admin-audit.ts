// Every change an admin makes is an `admin.changed` event on audit-events: who made it, the request
// that made it and its status. Reads are not changes; refused requests changed nothing.
import type { Context, MiddlewareHandler } from 'hono'
import { commit } from '../../shared/bus/commit.ts'
import type { Db } from '../../shared/db/client.ts'
import { createEvent } from '../../shared/events/envelope.ts'
import { log } from '../../shared/observability/log.ts'
import { requireRole, type VisitorEnv } from './identity.ts'

const SOURCE = '/streamshop/admin'
const READS = new Set(['GET', 'HEAD', 'OPTIONS'])
/** Requests already recorded: a route behind the check twice (`/x` and `/x/*`) is one change. */
const recorded = new WeakSet<Request>()

/** Records the request as an admin's change when it was one: an unsafe request that succeeded. */
export async function recordAdminChange(db: Db, c: Context<VisitorEnv>): Promise<void> {
  const user = c.get('visitor').user
  if (READS.has(c.req.method) || c.res.status >= 400 || user?.role !== 'admin') return
  if (recorded.has(c.req.raw)) return
  recorded.add(c.req.raw)
  const event = createEvent(
    'admin.changed',
    {
      subject: user.id,
      action: `${c.req.method} ${c.req.path}`.slice(0, 600),
      status: c.res.status,
      metadata: {},
    },
    { source: SOURCE },
  )
  try {
    await commit(db, () => [], [event])
  } catch (error) {
    // The change itself is done: its answer stands, and the missing record is said loudly.
    log.error({ err: error, action: event.data.action, admin: user.id }, 'admin change not audited')
  }
}

/** The admin role check for the JSON API, auditing each change it lets through. */
export function requireAdmin(db: Db): MiddlewareHandler<VisitorEnv> {
  const check = requireRole('admin')
  return (c, next) =>
    check(c, async () => {
      await next()
      await recordAdminChange(db, c)
    })
}
