const formats = new Map<string, Intl.NumberFormat>()

/** A price in minor units (cents) as shoppers read it: `€12.50`. */
export function formatMoney(minor: number, currency: string): string {
  let format = formats.get(currency)
  if (!format) {
    format = new Intl.NumberFormat('en-IE', { style: 'currency', currency })
    formats.set(currency, format)
  }
  return format.format(minor / 100)
}
