// The Users tab: registrations over the last 7 and 30 days (per day, and against the period
// before), active users over a range, and counts per role. Roles belong to the accounts context,
// so they come from a function the caller passes (analytics keeps no user, only pseudonyms).
import type { Db } from '../../../shared/db/client.ts'
import { DAY_MS, previousPeriod, type TimeRange } from '../buckets.ts'
import { activeUsers, type Figure, figure, totalsOf } from './figures.ts'
import { trend } from './trend.ts'

export interface Growth {
  /** The whole UTC days counted: the last `days` up to and including the range's last day. */
  range: TimeRange
  /** Day starts (ms) and registrations on each. */
  days: number[]
  registered: number[]
  /** Registrations in those days against the same number of days before. */
  total: Figure
}

export interface UsersSummary {
  range: TimeRange
  registered: Figure
  /** Distinct pseudonymous users with any event in the range. */
  active: Figure
  growth7: Growth
  growth30: Growth
  /** Users per role, as the accounts context counts them; null when no counter was given. */
  roles: Record<string, number> | null
}

async function growth(db: Db, lastDay: number, days: number): Promise<Growth> {
  const range = { from: lastDay - (days - 1) * DAY_MS, to: lastDay + DAY_MS }
  const before = { from: range.from - days * DAY_MS, to: range.from }
  const [series, previous] = await Promise.all([
    trend(db, range, 'day', ['usersRegistered']),
    totalsOf(db, before),
  ])
  const registered = series.series.usersRegistered
  const total = registered.reduce((a, b) => a + b, 0)
  return {
    range,
    days: series.buckets,
    registered,
    total: figure(total, previous.usersRegistered),
  }
}

/**
 * Users over `range`, compared with the period before; growth over the 7 and 30 days that end with
 * the range's last day.
 *
 * @example
 * await usersSummary(db, range, { countRoles: () => usersPerRole(db) })  // accounts' count
 */
export async function usersSummary(
  db: Db,
  range: TimeRange,
  opts: { countRoles?: () => Promise<Record<string, number>> } = {},
): Promise<UsersSummary> {
  const previous = previousPeriod(range)
  const lastDay = Math.floor((range.to - 1) / DAY_MS) * DAY_MS
  const [now, before, activeNow, activeBefore, growth7, growth30, roles] = await Promise.all([
    totalsOf(db, range),
    totalsOf(db, previous),
    activeUsers(db, range),
    activeUsers(db, previous),
    growth(db, lastDay, 7),
    growth(db, lastDay, 30),
    opts.countRoles ? opts.countRoles() : null,
  ])
  return {
    range,
    registered: figure(now.usersRegistered, before.usersRegistered),
    active: figure(activeNow, activeBefore),
    growth7,
    growth30,
    roles,
  }
}
