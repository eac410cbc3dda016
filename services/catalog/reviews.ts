import { and, desc, eq, sql } from 'drizzle-orm'
import { commit } from '../../shared/bus/commit.ts'
import type { Db, Writer } from '../../shared/db/client.ts'
import { explainConstraint } from '../../shared/db/constraints.ts'
import { ConflictError, NotFoundError } from '../../shared/errors.ts'
import { createEvent } from '../../shared/events/envelope.ts'
import { parseOrThrow } from '../../shared/http/validate.ts'
import { type ReviewInput, reviewInputSchema } from './inputs.ts'
import { getProduct } from './products.ts'
import { products, type ReviewRow, reviews } from './schema.ts'
import { CATALOG_SOURCE } from './source.ts'

export type Review = ReviewRow

/**
 * The statement that sets products' rating average and count from their reviews (one product, or
 * all). Recounting rather than adding one keeps the aggregate exact whatever wrote the reviews.
 */
export function ratingAggregateUpdate(w: Writer, productId?: string) {
  const ofProduct = sql`${reviews.productId} = ${products.id}`
  return w
    .update(products)
    .set({
      ratingCount: sql`(select count(*) from ${reviews} where ${ofProduct})`,
      ratingAvg: sql`(select coalesce(avg(${reviews.rating}), 0) from ${reviews}
        where ${ofProduct})`,
    })
    .where(productId === undefined ? undefined : eq(products.id, productId))
}

/**
 * Adds a shopper's review: the review, the product's new rating aggregate and the events
 * (`review.created` for the catalog's followers, `product.rated` as the shopper's behaviour)
 * commit together. One review per shopper and product: a second is a ConflictError.
 */
export async function addReview(db: Db, input: ReviewInput): Promise<Review> {
  const data = parseOrThrow(reviewInputSchema, input, 'The review')
  const product = await getProduct(db, data.productId)
  const review: Review = {
    id: `rev-${Bun.randomUUIDv7()}`,
    productId: product.id,
    userId: data.userId,
    authorName: data.authorName,
    rating: data.rating,
    title: data.title,
    body: data.body,
    createdAt: new Date(),
  }
  const source = { source: CATALOG_SOURCE }
  const written = commit(
    db,
    (w) => [w.insert(reviews).values(review), ratingAggregateUpdate(w, product.id)],
    [
      createEvent(
        'review.created',
        {
          reviewId: review.id,
          productId: review.productId,
          userId: review.userId,
          rating: review.rating,
          title: review.title,
          body: review.body,
        },
        source,
      ),
      createEvent(
        'product.rated',
        {
          userId: review.userId,
          productId: review.productId,
          rating: review.rating,
          metadata: { reviewId: review.id },
        },
        source,
      ),
    ],
  )
  await explainConstraint(written, (violation) => {
    if (violation.kind === 'unique' && violation.message.includes('reviews.user_id'))
      return new ConflictError('You have already reviewed this product')
    if (violation.kind === 'foreign_key')
      return new NotFoundError(`There is no product '${product.id}' any more`)
    return undefined
  })
  return review
}

/** A product's reviews, newest first. */
export async function listReviews(
  db: Db,
  productId: string,
  opts: { limit?: number; offset?: number } = {},
): Promise<Review[]> {
  return db
    .select()
    .from(reviews)
    .where(eq(reviews.productId, productId))
    .orderBy(desc(reviews.createdAt), desc(reviews.id))
    .limit(opts.limit ?? 50)
    .offset(opts.offset ?? 0)
}

/** Whether this shopper has reviewed this product already (to offer the form or not). */
export async function hasReviewed(db: Db, productId: string, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: reviews.id })
    .from(reviews)
    .where(and(eq(reviews.productId, productId), eq(reviews.userId, userId)))
    .limit(1)
  return row !== undefined
}
