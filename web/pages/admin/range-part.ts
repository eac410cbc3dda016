/** What a range part shows besides the range: the previous period too, when comparing. */
export interface RangeOptions {
  compare: boolean
}

const COMPARE = '~compare'

/**
 * The live part of an admin tab for a range: `<name>:<from>-<to>` in milliseconds, with
 * `~compare` when the previous period is shown beside it.
 */
export function rangePart(
  name: string,
  range: { from: number; to: number },
  options: RangeOptions = { compare: false },
): string {
  return `${name}:${range.from}-${range.to}${options.compare ? COMPARE : ''}`
}

/** A range part's argument back into its range (still to be checked) and options. */
export function parseRangeArgument(argument: string): {
  from: number
  to: number
  options: RangeOptions
} {
  const compare = argument.endsWith(COMPARE)
  const span = compare ? argument.slice(0, -COMPARE.length) : argument
  const [from = Number.NaN, to = Number.NaN, ...rest] = span.split('-').map(Number)
  return rest.length > 0
    ? { from: Number.NaN, to: Number.NaN, options: { compare } }
    : { from, to, options: { compare } }
}

/** Whether a page's query asks to compare with the previous period (`compare=1`). */
export function comparing(query: Record<string, string | undefined>): RangeOptions {
  return { compare: query.compare === '1' }
}
