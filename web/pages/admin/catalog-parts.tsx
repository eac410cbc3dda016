// The live parts of the admin's Products, Funnels and Recommendations tabs: like the other tabs'
// (live-parts.tsx), each checks the role again (a stream is its own request), re-reads its figures
// every second and sends them when their version changed, one look shared by every admin's stream.
import { parseMsRange } from '../../../shared/http/day-range.ts'
import { SharedParts } from '../../../shared/http/live-hub.ts'
import { partial } from '../partial.tsx'
import { funnelsCompared } from './funnels.tsx'
import { FunnelsFigures } from './funnels-views.tsx'
import {
  type AdminPartDeps,
  admin,
  every,
  FIGURES_MS,
  type PartFactory,
  rangeFigures,
} from './live-parts.tsx'
import { parseProductsPart, productsPart, productsWithNames } from './products.tsx'
import { ProductsFigures } from './products-views.tsx'
import {
  figuresVersion,
  type RecommendationsDeps,
  recommendationsFigures,
} from './recommendations.tsx'
import { RecommendationsFiguresView } from './recommendations-views.tsx'

const everySecond = every(FIGURES_MS)

/** The three tabs' live parts; `serving` (the recommender in this process) gives model figures. */
export function adminInsightPartFactories(
  deps: AdminPartDeps & Pick<RecommendationsDeps, 'serving'>,
): Record<string, PartFactory> {
  const hub = deps.sharing ?? new SharedParts()
  return {
    // One sorted page of the products table: `<from>-<to>~<sort>.<dir>.<page>`.
    'admin-products': async (visitor, argument) => {
      admin(visitor)
      const { from, to, view } = parseProductsPart(argument)
      const range = parseMsRange(from, to)
      return hub.part(productsPart(range, view), () => ({
        subscribe: everySecond,
        render: async () => {
          const { table, names } = await productsWithNames(deps.db, range, view)
          return {
            data: await partial(
              'admin-products-figures',
              <ProductsFigures range={range.days} view={view} table={table} names={names} />,
            ),
            version: JSON.stringify({ rows: table.rows, total: table.total, names: [...names] }),
          }
        },
      }))
    },
    'admin-funnels': rangeFigures(hub, 'admin-funnels-figures', async (range, options) => {
      const compared = await funnelsCompared(deps.db, range, options)
      return { content: <FunnelsFigures {...compared} />, version: JSON.stringify(compared) }
    }),
    // Experiments, this process's models and the recommender's lag: the same for every range.
    'admin-recommendations': async (visitor) => {
      admin(visitor)
      return hub.part('admin-recommendations', () => ({
        subscribe: everySecond,
        render: async () => {
          const figures = await recommendationsFigures(deps)
          return {
            data: await partial(
              'admin-recommendations-figures',
              <RecommendationsFiguresView figures={figures} />,
            ),
            version: figuresVersion(figures),
          }
        },
      }))
    },
  }
}
