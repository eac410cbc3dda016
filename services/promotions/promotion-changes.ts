// The admin's promotions: create, change, read. Each change writes the promotion and its event on
// promotion-events in one batch, through the outbox.
import { asc, eq, sql } from 'drizzle-orm'
import { commit } from '../../shared/bus/commit.ts'
import type { Db } from '../../shared/db/client.ts'
import { explainConstraint } from '../../shared/db/constraints.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.ts'
import { createEvent } from '../../shared/events/envelope.ts'
import type { EventData } from '../../shared/events/types.ts'
import { parseOrThrow } from '../../shared/http/validate.ts'
import {
  type PromotionCreateInput,
  type PromotionUpdateInput,
  promotionCreateSchema,
  promotionUpdateSchema,
} from './inputs.ts'
import { normaliseCode } from './promotions.ts'
import { couponRedemptions, type Promotion, promotions } from './schema.ts'

export const PROMOTIONS_SOURCE = '/streamshop/promotions'

type Terms = EventData<'promotion.created'>

/** A promotion as the admin API shows it, with how often its coupon is used. */
export interface PromotionView extends Omit<Terms, 'promotionId'> {
  id: string
  /** Uses held by orders now (a cancelled order gave its use back). */
  uses: number
  /** Uses left before the coupon is used up; null without a limit. */
  remainingUses: number | null
  /** Uses given back by cancelled orders. */
  releasedUses: number
  createdAt: string
  updatedAt: string
}

const iso = (ms: number) => new Date(ms).toISOString()

function termsOf(p: Promotion): Omit<Terms, 'promotionId' | 'code'> {
  return {
    kind: p.kind,
    value: p.value,
    currency: p.currency,
    minSubtotalMinor: p.minSubtotalMinor,
    startsAt: iso(p.startsAt),
    endsAt: iso(p.endsAt),
    maxUses: p.maxUses,
    maxUsesPerCustomer: p.maxUsesPerCustomer,
    active: p.active,
  }
}

function viewOf(p: Promotion, releasedUses: number): PromotionView {
  return {
    id: p.id,
    code: p.code,
    ...termsOf(p),
    uses: p.uses,
    remainingUses: p.maxUses === null ? null : Math.max(0, p.maxUses - p.uses),
    releasedUses,
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
  }
}

async function releasedCounts(db: Db): Promise<Map<string, number>> {
  const rows = await db
    .select({ promotionId: couponRedemptions.promotionId, count: sql<number>`count(*)` })
    .from(couponRedemptions)
    .where(eq(couponRedemptions.status, 'released'))
    .groupBy(couponRedemptions.promotionId)
  return new Map(rows.map((r) => [r.promotionId, r.count]))
}

/** The promotion of a code, in any case; null when there is none. */
export async function findPromotion(db: Db, code: string): Promise<Promotion | null> {
  const [row] = await db
    .select()
    .from(promotions)
    .where(eq(promotions.code, normaliseCode(code)))
  return row ?? null
}

async function requirePromotion(db: Db, code: string): Promise<Promotion> {
  const promotion = await findPromotion(db, code)
  if (!promotion) throw new NotFoundError(`There is no promotion ${normaliseCode(code)}`)
  return promotion
}

export async function getPromotion(db: Db, code: string): Promise<PromotionView> {
  const promotion = await requirePromotion(db, code)
  return viewOf(promotion, (await releasedCounts(db)).get(promotion.id) ?? 0)
}

/** Every promotion, by code, with its usage. */
export async function listPromotions(db: Db): Promise<PromotionView[]> {
  const [rows, released] = await Promise.all([
    db.select().from(promotions).orderBy(asc(promotions.code)),
    releasedCounts(db),
  ])
  return rows.map((p) => viewOf(p, released.get(p.id) ?? 0))
}

const taken = (code: string) => new ConflictError(`The code ${code} is taken by another promotion`)

/** Creates a promotion and emits `promotion.created`; a code already taken is a 409. */
export async function createPromotion(db: Db, input: PromotionCreateInput): Promise<PromotionView> {
  const data = parseOrThrow(promotionCreateSchema, input, 'The promotion')
  if (await findPromotion(db, data.code)) throw taken(data.code)
  const now = Date.now()
  const promotion: Promotion = {
    id: `promo-${Bun.randomUUIDv7()}`,
    code: data.code,
    kind: data.kind,
    value: data.value,
    currency: data.currency ?? null,
    minSubtotalMinor: data.minSubtotalMinor ?? null,
    startsAt: data.startsAt === undefined ? now : Date.parse(data.startsAt),
    endsAt: Date.parse(data.endsAt),
    maxUses: data.maxUses ?? null,
    maxUsesPerCustomer: data.maxUsesPerCustomer ?? null,
    active: data.active,
    uses: 0,
    createdAt: now,
    updatedAt: now,
  }
  const event = createEvent(
    'promotion.created',
    { promotionId: promotion.id, code: promotion.code, ...termsOf(promotion) },
    { source: PROMOTIONS_SOURCE },
  )
  // The check above answers most duplicates; the unique index catches one created in between.
  await explainConstraint(
    commit(db, (w) => [w.insert(promotions).values(promotion)], [event]),
    (violation) => (violation.kind === 'unique' ? taken(promotion.code) : undefined),
  )
  return viewOf(promotion, 0)
}

/**
 * Changes a promotion's window, limits or minimum, or stops it, and emits `promotion.updated` with
 * the terms that really changed; a change to nothing writes nothing and emits nothing. A limit set
 * below the uses already held stops further uses; it takes none back.
 */
export async function updatePromotion(
  db: Db,
  code: string,
  input: PromotionUpdateInput,
): Promise<PromotionView> {
  const requested = parseOrThrow(promotionUpdateSchema, input, 'The promotion change')
  const current = await requirePromotion(db, code)
  const next: Promotion = {
    ...current,
    ...(requested.startsAt === undefined ? {} : { startsAt: Date.parse(requested.startsAt) }),
    ...(requested.endsAt === undefined ? {} : { endsAt: Date.parse(requested.endsAt) }),
    ...(requested.maxUses === undefined ? {} : { maxUses: requested.maxUses }),
    ...(requested.maxUsesPerCustomer === undefined
      ? {}
      : { maxUsesPerCustomer: requested.maxUsesPerCustomer }),
    ...(requested.minSubtotalMinor === undefined
      ? {}
      : { minSubtotalMinor: requested.minSubtotalMinor }),
    ...(requested.active === undefined ? {} : { active: requested.active }),
  }
  if (next.endsAt <= next.startsAt)
    throw new ValidationError('The promotion change is invalid', [
      { field: 'endsAt', message: 'endsAt must be after startsAt' },
    ])
  if (next.minSubtotalMinor !== null && next.currency === null)
    throw new ValidationError('The promotion change is invalid', [
      { field: 'minSubtotalMinor', message: 'A coupon without a currency has no minimum' },
    ])
  const before = termsOf(current)
  const after = termsOf(next)
  const changes = Object.fromEntries(
    Object.entries(after).filter(([k, v]) => before[k as keyof typeof before] !== v),
  ) as EventData<'promotion.updated'>['changes']
  if (Object.keys(changes).length === 0) return getPromotion(db, current.code)
  const { id: _id, code: _code, uses: _uses, createdAt: _created, ...columns } = next
  // Only the columns this change moves: two admins changing different terms at once must not put
  // back each other's old values (stopping a coupon while another raises its limit).
  const moved = Object.fromEntries(
    Object.entries(columns).filter(([k, v]) => current[k as keyof Promotion] !== v),
  ) as Partial<typeof columns>
  const updatedAt = Date.now()
  await commit(
    db,
    // `uses` is left alone: orders take and give back uses while the admin edits.
    (w) => [
      w
        .update(promotions)
        .set({ ...moved, updatedAt })
        .where(eq(promotions.id, current.id)),
    ],
    [
      createEvent(
        'promotion.updated',
        { promotionId: current.id, code: current.code, changes, updatedAt: iso(updatedAt) },
        { source: PROMOTIONS_SOURCE },
      ),
    ],
  )
  return getPromotion(db, current.code)
}
