/**
 * A URL slug from a product name: lowercase ASCII words joined by dashes, accents dropped
 * ("Crème Brûlée Set" → "creme-brulee-set"); `fallback` when nothing is left (only symbols).
 */
export function slugify(name: string, fallback = 'product'): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 120)
    .replace(/-+$/, '')
  return slug || fallback
}
