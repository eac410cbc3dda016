/** The live part of an admin tab for a range: `<name>:<from>-<to>` in milliseconds. */
export function rangePart(name: string, range: { from: number; to: number }): string {
  return `${name}:${range.from}-${range.to}`
}
