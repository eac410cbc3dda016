// The admin area: every page under /admin is for admins only, and each visit is an analytics event.
import { Hono } from 'hono'
import { recordAdminChange, type VisitorEnv } from '../../../services/accounts/index.ts'
import type { RecommendationServing } from '../../../services/recommender/index.ts'
import type { EventBus } from '../../../shared/bus/types.ts'
import type { Db } from '../../../shared/db/client.ts'
import { pseudonym, track } from '../../track.ts'
import { adminOnly } from './admin-only.ts'
import { adminFunnelsPages } from './funnels.tsx'
import { adminOrdersPages } from './orders.tsx'
import { adminOverviewPages } from './overview.tsx'
import { adminProductsPages } from './products.tsx'
import { adminRecommendationsPages } from './recommendations.tsx'
import { adminSagaPages } from './sagas.tsx'
import { adminStreamPages } from './stream.tsx'
import { tablesAsCsv } from './tables-csv.ts'
import { adminUsersPages } from './users.tsx'

export interface AdminPagesDeps {
  db: Db
  bus: EventBus
  /** Keys the admin's id in `admin_dashboard.accessed`. */
  secret: string
  /** The recommender running in this process: the Recommendations tab shows its models' figures. */
  serving?: RecommendationServing
}

export function adminPages(deps: AdminPagesDeps): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
  app.use('/admin', adminOnly)
  app.use('/admin/*', adminOnly)
  // Each admin page seen is an analytics event (who, by a keyed hash, and which page), and each
  // change made here (a dead letter replayed) an audit event.
  app.use('/admin/*', async (c, next) => {
    await next()
    const user = c.get('visitor').user
    if (c.req.method === 'GET' && c.res.status === 200 && user)
      await track(deps.db, 'admin_dashboard.accessed', {
        userId: pseudonym(deps.secret, user.id),
        page: c.req.path,
        metadata: {},
      })
    else await recordAdminChange(deps.db, c)
  })
  app.use('/admin/*', tablesAsCsv)
  app.get('/admin', (c) => c.redirect('/admin/overview', 302))
  app.route('/', adminOverviewPages(deps))
  app.route('/', adminOrdersPages(deps))
  app.route('/', adminUsersPages(deps))
  app.route('/', adminProductsPages(deps))
  app.route('/', adminFunnelsPages(deps))
  app.route('/', adminRecommendationsPages(deps))
  app.route('/', adminSagaPages(deps))
  app.route('/', adminStreamPages(deps))
  return app
}
