import { base, en, Faker } from '@faker-js/faker'
import { count, getTableColumns, type SQL, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import type { SQLiteTable } from 'drizzle-orm/sqlite-core'
import { commit } from '../../shared/bus/commit.ts'
import type { Db, Writer } from '../../shared/db/client.ts'
import { createEvent, type EventEnvelope } from '../../shared/events/envelope.ts'
import { ADJECTIVES, BRANDS, DEMO_CATEGORIES, type DemoCategory } from './demo-categories.ts'
import { searchableName } from './products.ts'
import { ratingAggregateUpdate } from './reviews.ts'
import {
  type CategoryRow,
  categories,
  type NewProductRow,
  type NewReviewRow,
  products,
  reviews,
} from './schema.ts'
import { slugify } from './slug.ts'
import { CATALOG_SOURCE } from './source.ts'

/** The faker seed: the same number gives the same catalog, row for row. */
export const DEMO_SEED = 20261123
export const DEMO_PRODUCTS = 600
// A fixed clock: creation dates must not depend on the day the seed runs.
const DEMO_NOW = Date.UTC(2026, 9, 1)
const DAY_MS = 86_400_000
const REVIEWERS = 60

/** A demo product: every field a `product.created` carries is set. */
type DemoProductRow = NewProductRow &
  Required<
    Pick<
      NewProductRow,
      'description' | 'currency' | 'stock' | 'attributes' | 'imageHue' | 'featured'
    >
  >

export interface DemoCatalog {
  categories: CategoryRow[]
  products: DemoProductRow[]
  reviews: NewReviewRow[]
}

// biome-ignore format: a table of phrases
const REVIEW_TEXT: Record<number, { titles: string[]; bodies: string[] }> = {
  1: { titles: ['Disappointed', 'Not as described', 'Sent it back'],
    bodies: ['It broke within a week.', 'The photos promise more than it delivers.',
      'Would not buy again.'] },
  2: { titles: ['Meh', 'Could be better', 'Not for me'],
    bodies: ['It works, but only just.', 'The quality feels cheaper than the price.',
      'Fine for a while, then it wore out.'] },
  3: { titles: ['Does the job', 'Okay for the price', 'Decent'],
    bodies: ['Nothing special, nothing wrong.', 'Fair value, a few rough edges.',
      'Does what it says.'] },
  4: { titles: ['Very good', 'Happy with it', 'Solid choice'],
    bodies: ['Well made and arrived quickly.', 'Better than I expected for the money.',
      'Use it every day; holding up well.'] },
  5: { titles: ['Love it', 'Perfect', 'Best purchase this year'],
    bodies: ['Exactly what I wanted. Bought a second one as a gift.',
      'Beautiful quality, would buy again.', 'Ten out of ten, no notes.'] },
}

function price(f: Faker, [min, max]: DemoCategory['priceEuros']): number {
  // Log-uniform: cheap items are more common than expensive ones, as in a real shop.
  const euros = Math.exp(f.number.float({ min: Math.log(min), max: Math.log(max) }))
  return Math.max(min, Math.floor(euros)) * 100 + f.helpers.arrayElement([0, 49, 90, 95, 99])
}

interface DemoName {
  name: string
  brand?: string
  /** The material the name mentions, if any: the attributes must agree with it. */
  material?: string
}

function productName(f: Faker, category: DemoCategory): DemoName {
  if (category.title) return { name: category.title(f) }
  const brand = f.helpers.arrayElement(BRANDS)
  const noun = f.helpers.arrayElement(category.nouns)
  if (category.materials.length > 0 && f.datatype.boolean()) {
    const material = f.helpers.arrayElement(category.materials)
    return { name: `${brand} ${material} ${noun}`, brand, material }
  }
  return { name: `${brand} ${f.helpers.arrayElement(ADJECTIVES)} ${noun}`, brand }
}

interface Reviewer {
  id: string
  name: string
}

/** A product's reviews: around a quality of its own, from 0 to 13 reviews, most products few. */
function demoReviews(f: Faker, product: NewProductRow, reviewers: Reviewer[]): NewReviewRow[] {
  const quality = f.number.float({ min: 2.2, max: 4.9 })
  const reviewCount = Math.floor(f.number.float() ** 3 * 14)
  const since = product.createdAt.getTime()
  return f.helpers.arrayElements(reviewers, reviewCount).map((reviewer, j) => {
    const noise = f.number.float({ min: -1.5, max: 1.5 })
    const rating = Math.min(5, Math.max(1, Math.round(quality + noise)))
    const text = REVIEW_TEXT[rating] as { titles: string[]; bodies: string[] }
    return {
      id: `rev-${product.id.slice('prod-'.length)}-${String(j + 1).padStart(2, '0')}`,
      productId: product.id,
      userId: reviewer.id,
      authorName: reviewer.name,
      rating,
      title: f.helpers.arrayElement(text.titles),
      body: f.helpers.arrayElement(text.bodies),
      createdAt: new Date(f.number.int({ min: since, max: DEMO_NOW })),
    }
  })
}

/**
 * The demo catalog, generated from a fixed faker seed: 14 categories, `size` products (`prod-0001`
 * …) spread evenly over them, and reviews by 60 demo reviewers, skewed so a few products are
 * much reviewed and many not at all.
 */
export function generateDemoCatalog(size = DEMO_PRODUCTS): DemoCatalog {
  const f = new Faker({ locale: [en, base] })
  f.seed(DEMO_SEED)
  const reviewers: Reviewer[] = Array.from({ length: REVIEWERS }, (_, i) => ({
    id: `demo-reviewer-${String(i + 1).padStart(2, '0')}`,
    name: `${f.person.firstName()} ${f.person.lastName().charAt(0)}.`,
  }))
  const names = new Set<string>()
  const slugs = new Set<string>()
  const productRows: DemoProductRow[] = []
  const reviewRows: NewReviewRow[] = []
  for (let i = 1; i <= size; i++) {
    const category = DEMO_CATEGORIES[(i - 1) % DEMO_CATEGORIES.length] as DemoCategory
    const number = String(i).padStart(4, '0')
    let demoName = productName(f, category)
    for (let attempt = 0; names.has(demoName.name) && attempt < 20; attempt++)
      demoName = productName(f, category)
    const { brand } = demoName
    const name = names.has(demoName.name) ? `${demoName.name} ${number}` : demoName.name
    names.add(name)
    const slug = slugs.has(slugify(name)) ? `${slugify(name)}-${number}` : slugify(name)
    slugs.add(slug)
    const material =
      demoName.material ??
      (category.materials.length > 0 ? f.helpers.arrayElement(category.materials) : '')
    const color = category.materials.length > 0 ? f.color.human() : ''
    const attributes: Record<string, string> = {
      ...(brand && { brand }),
      ...(color && { color }),
      ...(material && { material: material.toLowerCase() }),
      ...category.extra(f),
    }
    const createdAt = new Date(DEMO_NOW - f.number.int({ min: 1, max: 400 }) * DAY_MS)
    productRows.push({
      id: `prod-${number}`,
      slug,
      name,
      nameSearch: searchableName(name),
      description: [
        attributes.author ? `By ${attributes.author}.` : '',
        color && material ? `In ${color}, made of ${material.toLowerCase()}.` : '',
        ...f.helpers.arrayElements(category.blurbs, 2),
      ]
        .filter(Boolean)
        .join(' '),
      categoryId: category.id,
      priceMinor: price(f, category.priceEuros),
      currency: 'EUR',
      stock: f.datatype.boolean({ probability: 0.04 }) ? 0 : f.number.int({ min: 1, max: 200 }),
      attributes,
      imageHue: (category.hue + f.number.int({ min: -30, max: 30 }) + 360) % 360,
      featured: f.datatype.boolean({ probability: 0.1 }),
      createdAt,
      updatedAt: createdAt,
    })
    reviewRows.push(...demoReviews(f, productRows.at(-1) as NewProductRow, reviewers))
  }
  const categoryRows = DEMO_CATEGORIES.map((c, position) => ({
    id: c.id,
    name: c.name,
    description: c.description,
    position,
  }))
  return { categories: categoryRows, products: productRows, reviews: reviewRows }
}

/** `on conflict do update` values that overwrite every column but the key with the new row's. */
function overwrite(table: SQLiteTable, keep: string[]): Record<string, SQL> {
  return Object.fromEntries(
    Object.entries(getTableColumns(table))
      .filter(([key]) => !keep.includes(key))
      .map(([key, column]) => [key, sql.raw(`excluded."${column.name}"`)]),
  )
}

function chunks<T>(rows: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(rows.length / size) }, (_, i) =>
    rows.slice(i * size, (i + 1) * size),
  )
}

export interface SeedSummary {
  categories: number
  products: number
  reviews: number
}

/**
 * A `product.created` for each demo product, so that a consumer rebuilding the catalog from the log
 * (the recommender's content model, say) finds the demo products there too. Ids are derived from
 * the product id: seeding again within the outbox's de-duplication window emits nothing new, and
 * a consumer that applied one applies it once however often it comes.
 */
export function productCreatedEvents(rows: DemoProductRow[]): EventEnvelope[] {
  return rows.map((p) =>
    createEvent(
      'product.created',
      {
        productId: p.id,
        slug: p.slug,
        name: p.name,
        description: p.description,
        categoryId: p.categoryId,
        priceMinor: p.priceMinor,
        currency: p.currency,
        stock: p.stock,
        attributes: p.attributes,
        imageHue: p.imageHue,
        featured: p.featured,
      },
      { source: CATALOG_SOURCE, id: nameBasedId(`demo-catalog/product.created/${p.id}`) },
    ),
  )
}

/** A UUID (version 8, RFC 9562) that is the same for the same name. */
function nameBasedId(name: string): string {
  const hex = new Bun.CryptoHasher('sha256').update(name).digest('hex').slice(0, 32).split('')
  hex[12] = '8'
  hex[16] = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16)
  const h = hex.join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/**
 * Loads the demo catalog, overwriting earlier demo rows by id, so running it again leaves the same
 * data. Everything commits in one transaction of multi-row INSERTs, with a `product.created` per
 * demo product (see `productCreatedEvents`).
 */
export async function seedCatalog(db: Db): Promise<SeedSummary> {
  const demo = generateDemoCatalog()
  // Rows per INSERT, under SQLite's limit of bound parameters per statement.
  const ROWS = 100
  const statements = (w: Writer): BatchItem<'sqlite'>[] => [
    w
      .insert(categories)
      .values(demo.categories)
      .onConflictDoUpdate({ target: categories.id, set: overwrite(categories, ['id']) }),
    ...chunks(demo.products, ROWS).map((rows) =>
      w
        .insert(products)
        .values(rows)
        .onConflictDoUpdate({
          target: products.id,
          // The aggregate is recounted below from the reviews, which may include real ones.
          set: overwrite(products, ['id', 'ratingAvg', 'ratingCount']),
        }),
    ),
    ...chunks(demo.reviews, ROWS).map((rows) =>
      w
        .insert(reviews)
        .values(rows)
        .onConflictDoUpdate({ target: reviews.id, set: overwrite(reviews, ['id']) }),
    ),
    ratingAggregateUpdate(w),
  ]
  await commit(db, statements, productCreatedEvents(demo.products))
  return {
    categories: demo.categories.length,
    products: demo.products.length,
    reviews: demo.reviews.length,
  }
}

/** Seeds the demo catalog only into an empty catalog, so a restart keeps what admins changed. */
export async function ensureDemoCatalog(db: Db): Promise<SeedSummary | undefined> {
  const [row] = await db.select({ n: count() }).from(categories)
  return (row?.n ?? 0) === 0 ? seedCatalog(db) : undefined
}
