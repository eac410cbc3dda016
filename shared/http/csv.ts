/** A cell: text, a number, or nothing. */
export type CsvCell = string | number | null | undefined

/**
 * RFC 4180 CSV with a header row. A cell that a spreadsheet would take for a formula (=, +, -, @
 * at its start, or a tab or carriage return) is prefixed with a quote, so an export opened in a
 * spreadsheet never runs what a shopper or an admin typed; negative numbers stay numbers.
 */
export function toCsv(columns: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const cell = (value: CsvCell): string => {
    if (value === null || value === undefined) return ''
    if (typeof value === 'number') return Number.isFinite(value) ? String(value) : ''
    const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
    return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
  }
  return `${[columns, ...rows].map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`
}
