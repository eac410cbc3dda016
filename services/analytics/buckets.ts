// Time buckets in UTC and the ranges the queries take. A range is half-open, [from, to), in ms
// since the epoch; it is answered from day buckets when both ends fall on UTC midnight and from
// minute buckets otherwise, so every answer is exact to the minute.
import type { Granularity } from './schema.ts'

export const SECOND_MS = 1000
export const MINUTE_MS = 60_000
export const DAY_MS = 86_400_000

const WIDTH: Record<Granularity, number> = { minute: MINUTE_MS, day: DAY_MS }

/** A span of time, `from` included and `to` excluded, in ms since the epoch. */
export interface TimeRange {
  from: number
  to: number
}

/** The start of the UTC minute or day that holds `at`. */
export function bucketStart(at: number, granularity: Granularity): number {
  const width = WIDTH[granularity]
  return Math.floor(at / width) * width
}

/** The buckets that answer a range exactly: days when it runs from midnight to midnight. */
export function granularityFor(range: TimeRange): Granularity {
  return range.from % DAY_MS === 0 && range.to % DAY_MS === 0 ? 'day' : 'minute'
}

/** The range widened to whole buckets: `from` down to its bucket's start, `to` up to a bucket's end. */
export function alignRange(range: TimeRange, granularity: Granularity): TimeRange {
  const width = WIDTH[granularity]
  return {
    from: bucketStart(range.from, granularity),
    to: Math.ceil(range.to / width) * width,
  }
}

/** The starts of every bucket of a range, widened to whole buckets (at most `limit` of them). */
export function bucketsOf(range: TimeRange, granularity: Granularity, limit = 10_000): number[] {
  const { from, to } = alignRange(range, granularity)
  const width = WIDTH[granularity]
  const count = Math.min(limit, Math.max(0, Math.round((to - from) / width)))
  return Array.from({ length: count }, (_, i) => from + i * width)
}

/** The period just before a range, of the same length: what "compared to the previous period" means. */
export function previousPeriod(range: TimeRange): TimeRange {
  return { from: range.from - (range.to - range.from), to: range.from }
}

/** The last `ms` before `now`. */
export function lastPeriod(now: number, ms: number): TimeRange {
  return { from: now - ms, to: now }
}

/** The UTC days a range touches, from the day of `from` to the day before `to` ends. */
export function daysOf(range: TimeRange): TimeRange {
  return alignRange(range, 'day')
}
