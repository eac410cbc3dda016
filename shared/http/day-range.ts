import { z } from 'zod'
import { ValidationError } from '../errors.ts'

/** A range of days as a filter shows it (UTC dates, both included). */
export interface DayRange {
  from: string
  to: string
}

const DAY_MS = 86_400_000
const MAX_DAYS = 366
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')

const iso = (at: number) => new Date(at).toISOString().slice(0, 10)
/** A real date: Date.parse takes 2026-02-30 for 2 March, which is not what was asked. */
const real = (text: string) => !Number.isNaN(Date.parse(text)) && iso(Date.parse(text)) === text

/**
 * A date filter (the admin's pages, the analytics API): `from` and `to` as UTC dates, both included (the last 7 days unless
 * given), and the same as milliseconds, `to` exclusive. A bad or reversed range is a 400.
 */
export function parseDayRange(
  query: { from?: string; to?: string },
  now = Date.now(),
): { days: DayRange; from: number; to: number } {
  const today = iso(now)
  const to = day.safeParse(query.to ?? today)
  const from = day.safeParse(query.from ?? iso(Date.parse(to.data ?? today) - 6 * DAY_MS))
  const errors = [
    ...(from.success && real(from.data)
      ? []
      : [{ field: 'from', message: 'Enter the first day as YYYY-MM-DD' }]),
    ...(to.success && real(to.data)
      ? []
      : [{ field: 'to', message: 'Enter the last day as YYYY-MM-DD' }]),
  ]
  if (errors.length > 0 || !from.success || !to.success)
    throw new ValidationError('The date range is invalid', errors)
  const start = Date.parse(from.data)
  const end = Date.parse(to.data) + DAY_MS
  if (end <= start)
    throw new ValidationError('The range ends before it starts', [
      { field: 'to', message: 'The last day must not be before the first' },
    ])
  if (end - start > MAX_DAYS * DAY_MS)
    throw new ValidationError('The range is too long', [
      { field: 'from', message: `At most ${MAX_DAYS} days at once` },
    ])
  return { days: { from: from.data, to: to.data }, from: start, to: end }
}

/** A range in milliseconds as the live part carries it, held to the same rules as the filter. */
export function parseMsRange(
  from: number,
  to: number,
): { days: DayRange; from: number; to: number } {
  if (
    !Number.isSafeInteger(from) ||
    !Number.isSafeInteger(to) ||
    from < 0 ||
    to <= from ||
    to > 8.64e15
  )
    throw new ValidationError('The range is invalid', [
      { field: 'range', message: 'milliseconds since the epoch, <from>-<to>' },
    ])
  return parseDayRange({ from: iso(from), to: iso(to - 1) })
}
