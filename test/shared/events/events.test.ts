import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { parseIngestBody } from '../../../services/ingest/intake.ts'
import { AppError } from '../../../shared/errors.ts'
import { createEvent, fromRecord, toRecord } from '../../../shared/events/envelope.ts'
import { catalogWithDlqs, TOPICS } from '../../../shared/events/topics.ts'
import { EVENT_TYPE_ALIASES, EVENT_TYPES, resolveEventType } from '../../../shared/events/types.ts'

describe('topic catalog', () => {
  test("has the seed's topics with their partitions and retention, the recommender's, and a DLQ per consumed topic", () => {
    const byName = new Map(catalogWithDlqs().map((t) => [t.name, t]))
    expect(byName.get('order-events')).toMatchObject({ partitions: 6, retentionDays: 30 })
    expect(byName.get('audit-events')).toMatchObject({ partitions: 4, retentionDays: 365 })
    expect(byName.get('analytics-events')).toMatchObject({ partitions: 8 })
    for (const name of [
      'recommendations',
      'recommendation-requests',
      'recommendation-responses',
      'model-metrics',
      'ab-test-events',
    ]) {
      expect(byName.has(name)).toBe(true)
    }
    for (const t of TOPICS.filter((t) => t.consumed)) expect(byName.has(`${t.name}.dlq`)).toBe(true)
  })

  test('puts every event type on a catalog topic', () => {
    const names = new Set(TOPICS.map((t) => t.name as string))
    for (const spec of Object.values(EVENT_TYPES)) expect(names.has(spec.topic)).toBe(true)
    for (const alias of Object.values(EVENT_TYPE_ALIASES)) expect(EVENT_TYPES[alias]).toBeDefined()
  })
})

describe('envelope', () => {
  test('round-trips through a Kafka record in CloudEvents binary mode with a UUIDv7 id', () => {
    const event = createEvent(
      'product.viewed',
      { userId: 'u1', productId: 'p1', metadata: {} },
      { source: '/test' },
    )
    expect(event.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    const record = toRecord(event)
    expect(record.key).toBe('u1')
    expect(record.topic).toBe('user-events')
    const back = fromRecord({ ...record, partition: 0, offset: 0n, timestamp: Date.now() })
    expect(back).toEqual(event)
  })

  test('refuses a consumed record whose data breaks its type schema', () => {
    const record = toRecord(
      createEvent(
        'product.viewed',
        { userId: 'u1', productId: 'p1', metadata: {} },
        { source: '/t' },
      ),
    )
    expect(() =>
      fromRecord({ ...record, value: '{"userId":"u1"}', partition: 0, offset: 0n, timestamp: 0 }),
    ).toThrow()
    expect(() =>
      fromRecord({ ...record, headers: {}, partition: 0, offset: 0n, timestamp: 0 }),
    ).toThrow()
  })

  test('resolves seed aliases', () => {
    expect(resolveEventType('product_view')).toBe('product.viewed')
    expect(resolveEventType('add_to_cart')).toBe('cart.item_added')
    expect(resolveEventType('purchase')).toBe('product.purchased')
    expect(resolveEventType('nonsense')).toBeUndefined()
  })
})

describe('ingest body parsing', () => {
  test('any JSON either becomes envelopes for every event or fails as a whole with a typed error', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        try {
          const events = parseIngestBody(body)
          const count =
            typeof body === 'object' && body !== null && 'events' in body
              ? (body.events as unknown[]).length
              : 1
          expect(events).toHaveLength(count)
        } catch (error) {
          expect(error).toBeInstanceOf(AppError)
        }
      }),
      { numRuns: 500 },
    )
  })

  test('valid events of every ingestible type become envelopes on the right topic keyed by user', () => {
    const types = [
      'product.viewed',
      'product.searched',
      'product.rated',
      'cart.item_added',
      'product_list.viewed',
    ] as const
    fc.assert(
      fc.property(
        fc.constantFrom(...types),
        fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim().length > 0),
        fc.integer({ min: 1, max: 5 }),
        (type, userId, rating) => {
          const [event] = parseIngestBody({ type, userId, productId: 'p', rating, query: 'shoes' })
          expect(event?.topic).toBe(EVENT_TYPES[type].topic)
          expect(event?.key).toBe(userId.trim())
        },
      ),
    )
  })
})
