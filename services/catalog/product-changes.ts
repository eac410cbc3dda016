import { and, eq, ne } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { commit } from '../../shared/bus/commit.ts'
import type { Db, Writer } from '../../shared/db/client.ts'
import { type ConstraintViolation, explainConstraint } from '../../shared/db/constraints.ts'
import { ConflictError, ValidationError } from '../../shared/errors.ts'
import { createEvent, type EventEnvelope } from '../../shared/events/envelope.ts'
import type { EventData } from '../../shared/events/types.ts'
import { parseOrThrow } from '../../shared/http/validate.ts'
import {
  type ProductCreateInput,
  type ProductUpdateInput,
  productCreateSchema,
  productUpdateSchema,
} from './inputs.ts'
import { findCategory, getProduct, type Product, searchableName } from './products.ts'
import { products } from './schema.ts'
import { slugify } from './slug.ts'
import { CATALOG_SOURCE } from './source.ts'

// Admin changes to the catalog. Each writes the change and its product event in one batch.

type Changes = EventData<'product.updated'>['changes']

/** A stable placeholder hue for a product created without one. */
function hueOf(name: string): number {
  let h = 0
  for (const ch of name) h = (h * 31 + (ch.codePointAt(0) ?? 0)) % 360
  return h
}

async function slugTaken(db: Db, slug: string, exceptId?: string): Promise<boolean> {
  const [row] = await db
    .select({ id: products.id })
    .from(products)
    .where(and(eq(products.slug, slug), exceptId ? ne(products.id, exceptId) : undefined))
    .limit(1)
  return row !== undefined
}

async function requireCategory(db: Db, categoryId: string): Promise<void> {
  if (!(await findCategory(db, categoryId))) {
    throw new ValidationError('The product is invalid', [
      { field: 'categoryId', message: `There is no category '${categoryId}'` },
    ])
  }
}

// The checks above run before the batch; these cover another write slipping in between.
function explainWrite(slug: string | undefined) {
  return (violation: ConstraintViolation): Error | undefined => {
    if (violation.kind === 'unique' && violation.message.includes('products.slug'))
      return new ConflictError(`The slug '${slug}' is taken by another product`)
    if (violation.kind === 'foreign_key')
      return new ValidationError('The product is invalid', [
        { field: 'categoryId', message: 'The category no longer exists' },
      ])
    return undefined
  }
}

/** A product change and its event, through the one write path; a broken constraint gets a 409 that says why. */
function commitExplained(
  db: Db,
  change: (w: Writer) => BatchItem<'sqlite'>[],
  events: EventEnvelope[],
  explain: (violation: ConstraintViolation) => Error | undefined,
): Promise<void> {
  return explainConstraint(commit(db, change, events), explain)
}

function explainDelete(violation: ConstraintViolation): Error | undefined {
  if (violation.kind === 'foreign_key')
    return new ConflictError('Other records still refer to this product, so it cannot be deleted')
  return undefined
}

/** Adds a product and emits `product.created`. Without a slug, one is made from the name. */
export async function createProduct(db: Db, input: ProductCreateInput): Promise<Product> {
  const data = parseOrThrow(productCreateSchema, input, 'The product')
  await requireCategory(db, data.categoryId)
  const id = `prod-${Bun.randomUUIDv7()}`
  let slug = data.slug ?? slugify(data.name)
  if (await slugTaken(db, slug)) {
    if (data.slug !== undefined)
      throw new ConflictError(`The slug '${slug}' is taken by another product`)
    slug = `${slug}-${id.slice(-8)}`
  }
  const now = new Date()
  const fields = {
    slug,
    name: data.name,
    description: data.description,
    categoryId: data.categoryId,
    priceMinor: data.priceMinor,
    currency: data.currency,
    stock: data.stock,
    attributes: data.attributes,
    imageHue: data.imageHue ?? hueOf(data.name),
    featured: data.featured,
  }
  await commitExplained(
    db,
    (w) => [
      w.insert(products).values({
        id,
        ...fields,
        nameSearch: searchableName(data.name),
        createdAt: now,
        updatedAt: now,
      }),
    ],
    [createEvent('product.created', { productId: id, ...fields }, { source: CATALOG_SOURCE })],
    explainWrite(slug),
  )
  return getProduct(db, id)
}

/** The fields of `changes` whose value differs from the product's. */
function realChanges(current: Product, changes: Changes): Changes {
  const changed: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(changes)) {
    if (value !== undefined && !Bun.deepEquals(current[field as keyof Product], value))
      changed[field] = value
  }
  return changed as Changes
}

/**
 * Changes some fields of a product and emits `product.updated` with the fields that really
 * changed; a change to nothing writes nothing and emits nothing. The slug stays when the name
 * changes, so links keep working.
 */
export async function updateProduct(
  db: Db,
  idOrSlug: string,
  input: ProductUpdateInput,
): Promise<Product> {
  const requested = parseOrThrow(productUpdateSchema, input, 'The product change')
  const current = await getProduct(db, idOrSlug)
  const changes = realChanges(current, requested)
  if (Object.keys(changes).length === 0) return current
  if (changes.categoryId !== undefined) await requireCategory(db, changes.categoryId)
  if (changes.slug !== undefined && (await slugTaken(db, changes.slug, current.id)))
    throw new ConflictError(`The slug '${changes.slug}' is taken by another product`)
  const updatedAt = new Date()
  await commitExplained(
    db,
    (w) => [
      w
        .update(products)
        .set({
          ...changes,
          ...(changes.name === undefined ? {} : { nameSearch: searchableName(changes.name) }),
          updatedAt,
        })
        .where(eq(products.id, current.id)),
    ],
    [
      createEvent(
        'product.updated',
        { productId: current.id, changes, updatedAt: updatedAt.toISOString() },
        { source: CATALOG_SOURCE },
      ),
    ],
    explainWrite(changes.slug),
  )
  return getProduct(db, current.id)
}

/** Deletes a product (its reviews go with it) and emits `product.deleted`. */
export async function deleteProduct(db: Db, idOrSlug: string): Promise<void> {
  const current = await getProduct(db, idOrSlug)
  await commitExplained(
    db,
    (w) => [w.delete(products).where(eq(products.id, current.id))],
    [
      createEvent(
        'product.deleted',
        {
          productId: current.id,
          slug: current.slug,
          name: current.name,
          categoryId: current.categoryId,
        },
        { source: CATALOG_SOURCE },
      ),
    ],
    explainDelete,
  )
}
