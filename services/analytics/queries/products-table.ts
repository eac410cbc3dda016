// Per product over a range of whole UTC days: views, clicks, cart adds, purchases, completed
// orders, units, revenue and rating; sortable and paged.
import { and, asc, countDistinct, desc, gte, lt, type SQL, sql } from 'drizzle-orm'
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'
import type { Db } from '../../../shared/db/client.ts'
import { daysOf, type TimeRange } from '../buckets.ts'
import { analyticsProductDays } from '../schema.ts'

export interface ProductFigures {
  productId: string
  views: number
  clicks: number
  cartAdds: number
  /** `product.purchased` events. */
  purchases: number
  /** Completed orders that held it. */
  orders: number
  units: number
  /** Its share of those orders' totals (after discounts; refunds not taken off), minor units. */
  revenueMinor: number
  /** Average of its ratings in the range; null without any. */
  rating: number | null
  ratings: number
}

export const PRODUCT_SORTS = [
  'views',
  'clicks',
  'cartAdds',
  'purchases',
  'orders',
  'units',
  'revenue',
  'rating',
  'productId',
] as const
export type ProductSort = (typeof PRODUCT_SORTS)[number]

export interface ProductsTableOptions {
  sort?: ProductSort
  dir?: 'asc' | 'desc'
  /** 1-based. */
  page?: number
  pageSize?: number
}

export interface ProductsTable {
  /** The whole days the figures cover (the range widened to UTC midnights). */
  days: TimeRange
  rows: ProductFigures[]
  /** Products with any figure in the range. */
  total: number
  page: number
  pageSize: number
}

const t = analyticsProductDays
const sum = (column: SQLiteColumn) => sql<number>`coalesce(sum(${column}), 0)`.mapWith(Number)
const FIGURES = {
  productId: t.productId,
  views: sum(t.views),
  clicks: sum(t.clicks),
  cartAdds: sum(t.cartAdds),
  purchases: sum(t.purchases),
  orders: sum(t.orders),
  units: sum(t.units),
  revenueMinor: sum(t.revenueMinor),
  ratingSum: sum(t.ratingSum),
  ratings: sum(t.ratingCount),
}

const ORDER_BY: Record<ProductSort, SQL> = {
  views: sql`sum(${t.views})`,
  clicks: sql`sum(${t.clicks})`,
  cartAdds: sql`sum(${t.cartAdds})`,
  purchases: sql`sum(${t.purchases})`,
  orders: sql`sum(${t.orders})`,
  units: sql`sum(${t.units})`,
  revenue: sql`sum(${t.revenueMinor})`,
  rating: sql`sum(${t.ratingSum}) / nullif(sum(${t.ratingCount}), 0)`,
  productId: sql`${t.productId}`,
}

function inDays(range: TimeRange) {
  const days = daysOf(range)
  return { days, where: and(gte(t.day, days.from), lt(t.day, days.to)) }
}

/** Products' figures over the whole days of a range, in the order asked, one page of them. */
export async function productsTable(
  db: Db,
  range: TimeRange,
  opts: ProductsTableOptions = {},
): Promise<ProductsTable> {
  const sort = opts.sort ?? 'views'
  const dir = opts.dir ?? 'desc'
  const pageSize = Math.min(500, Math.max(1, Math.floor(opts.pageSize ?? 20)))
  const page = Math.max(1, Math.floor(opts.page ?? 1))
  const { days, where } = inDays(range)
  const order = dir === 'asc' ? asc(ORDER_BY[sort]) : desc(ORDER_BY[sort])
  // Unrated products come after every rated one, whichever the direction.
  const unratedLast = sql`sum(${t.ratingCount}) = 0`
  const [rows, [counted]] = await Promise.all([
    db
      .select(FIGURES)
      .from(t)
      .where(where)
      .groupBy(t.productId)
      // The product id breaks ties, so paging never shows a product twice or skips one.
      .orderBy(...(sort === 'rating' ? [unratedLast] : []), order, asc(t.productId))
      .limit(pageSize)
      .offset((page - 1) * pageSize),
    db
      .select({ n: countDistinct(t.productId) })
      .from(t)
      .where(where),
  ])
  return {
    days,
    rows: rows.map(({ ratingSum, ...r }) => ({
      ...r,
      rating: r.ratings === 0 ? null : ratingSum / r.ratings,
    })),
    total: counted?.n ?? 0,
    page,
    pageSize,
  }
}

/** The products that sold most units in completed orders over a range (revenue breaks ties). */
export async function topSellers(db: Db, range: TimeRange, limit = 10): Promise<ProductFigures[]> {
  const { where } = inDays(range)
  const rows = await db
    .select(FIGURES)
    .from(t)
    .where(and(where, sql`${t.units} > 0`))
    .groupBy(t.productId)
    .orderBy(desc(ORDER_BY.units), desc(ORDER_BY.revenue), asc(t.productId))
    .limit(limit)
  return rows.map(({ ratingSum, ...r }) => ({
    ...r,
    rating: r.ratings === 0 ? null : ratingSum / r.ratings,
  }))
}
