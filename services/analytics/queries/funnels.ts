// The two funnels over a range of whole UTC days. How they are counted:
//
// Product funnel (view → cart add → purchase): a journey is a pair (user, product).
//   1. viewed:    pairs with a `product.viewed` in the range;
//   2. carted:    of those, pairs with a `cart.item_added` of that product in the range;
//   3. purchased: of those, pairs with a `product.purchased` of that product in the range.
// Search funnel (search → click → purchase): a journey is a user.
//   1. searched:  users with a `product.searched` in the range;
//   2. clicked:   of those, users who clicked a product in the range (`product.clicked` or
//                 `recommendation.clicked`);
//   3. purchased: of those, users who bought (`product.purchased`) a product they clicked.
// Each step counts only journeys that reached every step before it, so counts never grow down the
// funnel. The steps' order within the range is not checked: late events, arriving after later
// steps, count the same as punctual ones. With a product, both funnels look at it alone.
import { sql } from 'drizzle-orm'
import type { Db } from '../../../shared/db/client.ts'
import { daysOf, type TimeRange } from '../buckets.ts'
import { ratio } from './figures.ts'

export interface FunnelStep {
  step: string
  count: number
  /** count ÷ the first step's count; null when the first step is 0. */
  conversion: number | null
  /** count ÷ the step before's; null for the first step or when that is 0. */
  stepConversion: number | null
  /** Journeys lost since the step before (0 for the first). */
  dropOff: number
  /** dropOff ÷ the step before's count; null for the first step or when that is 0. */
  dropOffRate: number | null
}

export interface Funnels {
  /** The whole days counted (the range widened to UTC midnights). */
  days: TimeRange
  product: FunnelStep[]
  search: FunnelStep[]
}

function stepsOf(names: readonly string[], counts: readonly number[]): FunnelStep[] {
  const first = counts[0] ?? 0
  return names.map((step, i) => {
    const count = counts[i] ?? 0
    const before = i === 0 ? null : (counts[i - 1] ?? 0)
    return {
      step,
      count,
      conversion: ratio(count, first),
      stepConversion: before === null ? null : ratio(count, before),
      dropOff: before === null ? 0 : before - count,
      dropOffRate: before === null ? null : ratio(before - count, before),
    }
  })
}

interface Counts {
  s1: number
  s2: number
  s3: number
}

/** The funnels over a range's whole UTC days, of every product or of one. */
export async function funnels(
  db: Db,
  range: TimeRange,
  opts: { productId?: string } = {},
): Promise<Funnels> {
  const days = daysOf(range)
  const pairs = (step: string) => sql`select distinct user_hash, product_id from analytics_journeys
    where step = ${step} and day >= ${days.from} and day < ${days.to}
    ${opts.productId === undefined ? sql`` : sql`and product_id = ${opts.productId}`}`
  const [product] = await db.all<Counts>(sql`
    with v as (${pairs('view')}), c as (${pairs('cart')}), p as (${pairs('purchase')}),
    vc as (select v.user_hash, v.product_id from v
      join c on c.user_hash = v.user_hash and c.product_id = v.product_id),
    vcp as (select vc.user_hash from vc
      join p on p.user_hash = vc.user_hash and p.product_id = vc.product_id)
    select (select count(*) from v) as s1, (select count(*) from vc) as s2,
      (select count(*) from vcp) as s3`)
  const [search] = await db.all<Counts>(sql`
    with s as (select distinct user_hash from analytics_journeys
      where step = 'search' and day >= ${days.from} and day < ${days.to}),
    k as (${pairs('click')}), p as (${pairs('purchase')}),
    sk as (select k.user_hash, k.product_id from k join s on s.user_hash = k.user_hash),
    skp as (select distinct sk.user_hash from sk
      join p on p.user_hash = sk.user_hash and p.product_id = sk.product_id)
    select (select count(*) from s) as s1, (select count(distinct user_hash) from sk) as s2,
      (select count(*) from skp) as s3`)
  const counts = (c: Counts | undefined) => [
    Number(c?.s1 ?? 0),
    Number(c?.s2 ?? 0),
    Number(c?.s3 ?? 0),
  ]
  return {
    days,
    product: stepsOf(['viewed', 'carted', 'purchased'], counts(product)),
    search: stepsOf(['searched', 'clicked', 'purchased'], counts(search)),
  }
}
