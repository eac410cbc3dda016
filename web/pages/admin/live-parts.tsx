// The admin pages' live parts: each checks the role again (a stream is its own request) and is
// re-read on a timer, sent only when what it shows changed.
import { ForbiddenError, type Visitor } from '../../../services/accounts/index.ts'
import { overview } from '../../../services/analytics/index.ts'
import { sagaOverview } from '../../../services/orders/index.ts'
import type { ConsumedRecord, EventBus } from '../../../shared/bus/types.ts'
import type { Db } from '../../../shared/db/client.ts'
import { parseMsRange } from '../../../shared/http/day-range.ts'
import type { LivePart } from '../../../shared/http/live.ts'
import { type PartSharing, SharedParts } from '../../../shared/http/live-hub.ts'
import { log } from '../../../shared/observability/log.ts'
import { partial } from '../partial.tsx'
import { ordersWithNames } from './orders.tsx'
import { OrdersFigures } from './orders-views.tsx'
import { activeNow, lastHalfHourRate, overviewHistory } from './overview.tsx'
import {
  EVENTS_CHART_PART,
  EventsChart,
  OVERVIEW_HISTORY_PART,
  OverviewFigures,
  OverviewHistoryView,
} from './overview-views.tsx'
import { parseRangeArgument, type RangeOptions, rangePart } from './range-part.ts'
import { SagaSummary } from './sagas-views.tsx'
import { parseTailPart } from './stream.tsx'
import { groupRows, type TopicSnapshot, topicRows } from './stream-data.ts'
import { StreamFigures, TailRecords } from './stream-views.tsx'
import { usersWithRoles } from './users.tsx'
import { UsersFigures } from './users-views.tsx'

/** Figures are re-read this often; an admin page's updates come at most once a second. */
export const FIGURES_MS = 1000
/** The broker's topics and groups cost a few hundred requests a look: every other second. */
const STREAM_MS = 2000
const TAIL_KEPT = 50
/** Groups of tails: one per open tail, from near the end, deleted when the page goes. */
const TAIL_GROUP_PREFIX = 'streamshop-tail-'

export interface AdminPartDeps {
  db: Db
  bus: EventBus
  /** How parts alike for every admin are shared among streams; shared unless a bench says not. */
  sharing?: PartSharing
}

export type PartFactory = (visitor: Visitor, argument: string) => Promise<LivePart>

/** A live part is its own request: the role is checked again. */
export function admin(visitor: Visitor): void {
  if (visitor.user?.role !== 'admin') throw new ForbiddenError('This part is for admins')
}

/** A part's `subscribe` that says "maybe changed" every `ms`: figures re-read on a timer. */
export const every = (ms: number) => (changed: () => void) => {
  const timer = setInterval(changed, ms)
  return () => clearInterval(timer)
}

/**
 * A tab's figures for a range (the part's argument, `<from>-<to>` in ms, held to the filter's
 * rules), re-read every second and sent when their version changed. They look the same to every
 * admin, so every stream showing a range shares one look a second (`hub`).
 */
export function rangeFigures(
  hub: PartSharing,
  id: string,
  look: (
    range: DayRangeMs,
    options: RangeOptions,
  ) => Promise<{ content: unknown; version: string }>,
): PartFactory {
  return async (visitor, argument) => {
    admin(visitor)
    const { from, to, options } = parseRangeArgument(argument)
    const range = parseMsRange(from, to)
    return hub.part(`${id}:${rangePart('', range, options)}`, () => ({
      subscribe: every(FIGURES_MS),
      render: async () => {
        const { content, version } = await look(range, options)
        return { data: await partial(id, content), version }
      },
    }))
  }
}

type DayRangeMs = ReturnType<typeof parseMsRange>

/** The admin's live parts; those alike for every admin are shared through `hub`. */
export function adminPartFactories(deps: AdminPartDeps): Record<string, PartFactory> {
  const hub = deps.sharing ?? new SharedParts()
  return {
    'admin-sagas': rangeFigures(hub, 'admin-sagas-summary', async (range) => {
      const overview = await sagaOverview(deps.db, range)
      const { oldestInFlight, ...figures } = overview
      return {
        content: <SagaSummary overview={overview} range={range.days} />,
        version: JSON.stringify({ ...figures, oldest: oldestInFlight?.orderId ?? null }),
      }
    }),
    // The Overview's figures for the range, and the shoppers active now.
    'admin-overview': rangeFigures(hub, 'admin-overview-figures', async (range) => {
      const [figures, active] = await Promise.all([overview(deps.db, range), activeNow(deps.db)])
      return {
        content: <OverviewFigures overview={figures} activeNow={active} />,
        version: JSON.stringify({ figures, active }),
      }
    }),
    // The last 30 days and the latest orders: the same for every range.
    [OVERVIEW_HISTORY_PART]: async (visitor) => {
      admin(visitor)
      return hub.part(OVERVIEW_HISTORY_PART, () => ({
        subscribe: every(FIGURES_MS),
        render: async () => {
          const history = await overviewHistory(deps.db)
          return {
            data: await partial(
              'admin-overview-history',
              <OverviewHistoryView history={history} />,
            ),
            version: JSON.stringify(history),
          }
        },
      }))
    },
    // The events/s chart of the last 30 minutes: it moves every second, for every range alike.
    [EVENTS_CHART_PART]: async (visitor) => {
      admin(visitor)
      return hub.part(EVENTS_CHART_PART, () => ({
        subscribe: every(FIGURES_MS),
        render: async () => {
          const rate = await lastHalfHourRate(deps.db)
          return {
            data: await partial('admin-events-chart', <EventsChart rate={rate} />),
            version: `${rate.seconds.at(-1)}:${rate.events.join()}`,
          }
        },
      }))
    },
    'admin-orders': rangeFigures(hub, 'admin-orders-figures', async (range, { compare }) => {
      const { summary, names, previous } = await ordersWithNames(deps.db, range, { compare })
      return {
        content: <OrdersFigures summary={summary} names={names} previous={previous} />,
        version: JSON.stringify({ summary, previous }),
      }
    }),
    'admin-users': rangeFigures(hub, 'admin-users-figures', async (range) => {
      const summary = await usersWithRoles(deps.db, range)
      return { content: <UsersFigures summary={summary} />, version: JSON.stringify(summary) }
    }),
    // The Stream page's topics (with records/s since the last look) and groups.
    'admin-stream': async (visitor) => {
      admin(visitor)
      return hub.part('admin-stream', () => {
        // Records/s are measured between one look and the next.
        let previous: TopicSnapshot | null = null
        return {
          subscribe: every(STREAM_MS),
          render: async () => {
            const [{ rows, snapshot }, groups] = await Promise.all([
              topicRows(deps.bus, previous),
              groupRows(deps.bus),
            ])
            previous = snapshot
            return {
              data: await partial(
                'admin-stream-figures',
                <StreamFigures topics={rows} groups={groups} />,
              ),
              version: JSON.stringify(
                { rows: rows.map((r) => [r.name, r.end, r.perSecond]), groups },
                (_, v) => (typeof v === 'bigint' ? String(v) : v),
              ),
            }
          },
        }
      })
    },
    // A live tail of a topic (`<topic>~<base64url filter>`): its last records containing the text.
    'admin-tail': async (visitor, argument) => {
      admin(visitor)
      const { topic, q } = parseTailPart(argument)
      const kept: ConsumedRecord[] = []
      return {
        minIntervalMs: FIGURES_MS,
        subscribe: (changed) => {
          const group = `${TAIL_GROUP_PREFIX}${Bun.randomUUIDv7()}`
          // Joined in the background; a broker that fails it is logged, never left unhandled (it
          // would end the process), and the group is deleted whatever happened.
          const following = (async () => {
            await deps.bus.seek(group, topic, { last: 20 })
            return deps.bus.subscribe({
              group,
              topics: [topic],
              handler: async (r) => {
                if (q && !`${r.key ?? ''} ${r.value} ${r.headers.ce_type ?? ''}`.includes(q)) return
                kept.push(r)
                if (kept.length > TAIL_KEPT) kept.shift()
                changed()
              },
            })
          })().catch((error: unknown) => {
            log.warn({ err: error, group, topic }, 'could not start a tail')
            return null
          })
          return () => {
            void following
              .then((sub) => sub?.close())
              .catch((error) => log.warn({ err: error, group }, 'could not stop a tail'))
              .finally(() => deps.bus.deleteGroup(group).catch(() => {}))
          }
        },
        render: async () => ({
          data: await partial('admin-tail', <TailRecords records={kept} />),
          version: kept.length ? `${kept.length}:${kept.at(-1)?.offset}` : 'empty',
        }),
      }
    },
  }
}
