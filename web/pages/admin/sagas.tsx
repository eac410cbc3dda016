// The admin's Sagas tab: how many order sagas are under way, completed, failed or compensated in
// a range of days, how long they took and why orders were cancelled (live, re-read every second),
// the sagas themselves newest first, and one saga's timeline.
import { Hono } from 'hono'
import { z } from 'zod'
import type { VisitorEnv } from '../../../services/accounts/index.ts'
import {
  listSagas,
  SAGA_PROGRESS,
  sagaOverview,
  sagaTimeline,
} from '../../../services/orders/index.ts'
import type { Db } from '../../../shared/db/client.ts'
import { NotFoundError, ValidationError } from '../../../shared/errors.ts'
import { parseDayRange } from '../../../shared/http/day-range.ts'
import { rangePart } from './range-part.ts'
import { SagasPage, SagaTimelinePage } from './sagas-views.tsx'

const PAGE_SIZE = 50

const listQuery = z.object({
  progress: z.enum(SAGA_PROGRESS).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
})

export function adminSagaPages(deps: { db: Db }): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
  const { db } = deps
  app.get('/admin/sagas', async (c) => {
    const range = parseDayRange(c.req.query())
    const query = listQuery.safeParse(c.req.query())
    if (!query.success)
      throw new ValidationError('The filter is invalid', [
        { field: 'progress', message: `One of ${SAGA_PROGRESS.join(', ')}` },
      ])
    const { progress, page } = query.data
    const [overview, items] = await Promise.all([
      sagaOverview(db, range),
      listSagas(db, { ...range, progress, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
    ])
    return c.html(
      <SagasPage
        visitor={c.get('visitor')}
        range={range.days}
        progress={progress ?? null}
        overview={overview}
        items={items}
        page={page}
        pageSize={PAGE_SIZE}
        live={rangePart('admin-sagas', range)}
      />,
    )
  })

  app.get('/admin/sagas/:orderId', async (c) => {
    const timeline = await sagaTimeline(db, c.req.param('orderId'))
    if (!timeline) throw new NotFoundError('No saga for that order')
    return c.html(<SagaTimelinePage visitor={c.get('visitor')} {...timeline} />)
  })

  return app
}
