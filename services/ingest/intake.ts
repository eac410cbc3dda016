import { z } from 'zod'
import { type FieldError, PayloadTooLargeError, ValidationError } from '../../shared/errors.ts'
import { createEvent, type EventEnvelope } from '../../shared/events/envelope.ts'
import {
  EVENT_TYPES,
  type EventType,
  INGESTIBLE_TYPES,
  resolveEventType,
} from '../../shared/events/types.ts'

export const MAX_BATCH = 1000
export const INGEST_SOURCE = '/streamshop/ingest'
const MAX_CLOCK_SKEW_MS = 5 * 60_000
// Far below Kafka's default 1 MiB per record batch, so no single event can stall the relay.
const MAX_DATA_BYTES = 32 * 1024

const idLike = (name: string) =>
  z
    .union([z.string(), z.number().int()], { error: `${name} must be a string or an integer` })
    .transform(String)
    .pipe(z.string().trim().min(1, `${name} must not be empty`).max(128))
const userId = idLike('userId')

/**
 * One event as integrators send it to `POST /api/events`. A field we do not know is refused, not
 * dropped: context sent as `metadata` (the track body's name) would otherwise vanish unseen.
 */
export const incomingEventSchema = z.strictObject(
  {
    type: z.string().min(1).max(64),
    userId,
    productId: idLike('productId').optional(),
    orderId: z.string().min(1).max(128).optional(),
    rating: z.number().optional(),
    query: z.string().max(500).optional(),
    quantity: z.number().int().optional(),
    id: z.string().trim().min(1).max(128).optional(),
    occurredAt: z.iso
      .datetime({ offset: true })
      .refine((t) => Date.parse(t) <= Date.now() + MAX_CLOCK_SKEW_MS, {
        error: 'occurredAt is in the future (more than 5 minutes ahead of our clock)',
      })
      .optional(),
    data: z
      .record(z.string(), z.unknown())
      .refine((d) => JSON.stringify(d).length <= MAX_DATA_BYTES, {
        error: `data is larger than ${MAX_DATA_BYTES / 1024} KiB once serialised`,
      })
      .optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}: an event's context goes in data`
        : undefined,
  },
)

export type IncomingEvent = z.input<typeof incomingEventSchema>

/** The seed's `POST /api/events/track` body (ai-recommendation-kafka.md). */
export const trackBodySchema = z.object({
  userId,
  eventType: z.string().min(1).max(64),
  productId: idLike('productId').optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
})

function fieldErrors(issues: z.core.$ZodIssue[], prefix: string): FieldError[] {
  const field = (path: PropertyKey[]) => [prefix, ...path.map(String)].filter(Boolean).join('.')
  // An unknown field is named itself (`events[2].metadata`), not the event that carries it.
  return issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((key) => ({ field: field([...i.path, key]), message: i.message }))
      : [{ field: field(i.path), message: i.message }],
  )
}

/** Validates one incoming event against the catalog and returns its envelope, or the field errors. */
function toEnvelope(raw: unknown, prefix: string): EventEnvelope | FieldError[] {
  const parsed = incomingEventSchema.safeParse(raw)
  const rawType = (raw as { type?: unknown } | null)?.type
  const type = typeof rawType === 'string' ? resolveEventType(rawType) : undefined
  const errors = parsed.success ? [] : fieldErrors(parsed.error.issues, prefix)
  if (typeof rawType === 'string' && (!type || !EVENT_TYPES[type].ingestible)) {
    errors.push({
      field: [prefix, 'type'].filter(Boolean).join('.'),
      message: `Unknown event type '${rawType.slice(0, 64)}'; expected one of ${INGESTIBLE_TYPES.join(', ')} (or a seed alias)`,
    })
  }
  if (!parsed.success || !type || errors.length > 0) return errors
  const e = parsed.data
  const data = {
    userId: e.userId,
    productId: e.productId,
    orderId: e.orderId,
    rating: e.rating,
    query: e.query,
    quantity: e.quantity,
    metadata: e.data ?? {},
  }
  const checked = EVENT_TYPES[type].schema.safeParse(data)
  if (!checked.success) return fieldErrors(checked.error.issues, prefix)
  return createEvent(type as EventType, checked.data as never, {
    source: INGEST_SOURCE,
    id: e.id,
    time: e.occurredAt ? new Date(e.occurredAt) : undefined,
  })
}

/**
 * Turns a request body (one event, or `{ events: [...] }`) into envelopes. All or nothing: any bad
 * event fails the whole batch with every bad field named.
 */
export function parseIngestBody(body: unknown): EventEnvelope[] {
  const isBatch = typeof body === 'object' && body !== null && 'events' in body
  if (isBatch) {
    const events = (body as { events: unknown }).events
    if (!Array.isArray(events)) {
      throw new ValidationError('`events` must be an array', [
        { field: 'events', message: 'Expected an array' },
      ])
    }
    if (events.length === 0) {
      throw new ValidationError('`events` is empty', [
        { field: 'events', message: 'At least one event is required' },
      ])
    }
    if (events.length > MAX_BATCH) {
      throw new PayloadTooLargeError(
        `A batch holds at most ${MAX_BATCH} events; this one has ${events.length}`,
      )
    }
  }
  const list: unknown[] = isBatch ? (body as { events: unknown[] }).events : [body]
  const envelopes: EventEnvelope[] = []
  const errors: FieldError[] = []
  list.forEach((raw, i) => {
    const result = toEnvelope(raw, isBatch ? `events[${i}]` : '')
    if (Array.isArray(result)) errors.push(...result)
    else envelopes.push(result)
  })
  if (errors.length > 0) {
    const what = isBatch
      ? `${new Set(errors.map((e) => e.field.split('.')[0])).size} of ${list.length} events are invalid`
      : 'The event is invalid'
    throw new ValidationError(`${what}; nothing was accepted`, errors)
  }
  return envelopes
}

/** The seed's track body as an envelope, or a ValidationError naming the seed's field names. */
export function parseTrackBody(raw: unknown): EventEnvelope {
  const parsed = trackBodySchema.safeParse(raw)
  if (!parsed.success) {
    throw new ValidationError(
      'The event is invalid; nothing was accepted',
      fieldErrors(parsed.error.issues, ''),
    )
  }
  const body = parsed.data
  const result = toEnvelope(
    { type: body.eventType, userId: body.userId, productId: body.productId, data: body.metadata },
    '',
  )
  if (Array.isArray(result)) {
    throw new ValidationError(
      'The event is invalid; nothing was accepted',
      result.map(renameForTrack),
    )
  }
  return result
}

function renameForTrack(e: FieldError): FieldError {
  return {
    ...e,
    field: e.field === 'type' ? 'eventType' : e.field === 'data' ? 'metadata' : e.field,
  }
}
