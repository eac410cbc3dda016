import { z } from 'zod'
import type { BusRecord, ConsumedRecord } from './record.ts'
import { EVENT_TYPES, type EventData, type EventType, isEventType } from './types.ts'

/** A CloudEvents 1.0 event as it travels on a topic (binary mode: attributes in `ce_*` headers). */
export interface EventEnvelope<D = unknown> {
  id: string
  type: string
  source: string
  specversion: '1.0'
  time: string
  key: string
  topic: string
  data: D
}

/** Builds an envelope for a catalog event type: new UUIDv7 id unless given, topic and key from the catalog. */
export function createEvent<T extends EventType>(
  type: T,
  data: EventData<T>,
  opts: { source: string; id?: string; time?: Date },
): EventEnvelope<EventData<T>> {
  const spec = EVENT_TYPES[type]
  const key = String((data as Record<string, unknown>)[spec.keyField])
  return {
    id: opts.id ?? Bun.randomUUIDv7(),
    type,
    source: opts.source,
    specversion: '1.0',
    time: (opts.time ?? new Date()).toISOString(),
    key,
    topic: spec.topic,
    data,
  }
}

/** An envelope whose data is already serialised, as the outbox stores it. */
export interface SerialisedEvent extends Omit<EventEnvelope, 'data' | 'specversion'> {
  data: string
}

/** The Kafka record of an event, in CloudEvents binary mode. */
export function recordOf(event: SerialisedEvent): BusRecord {
  return {
    topic: event.topic,
    key: event.key,
    value: event.data,
    headers: {
      ce_id: event.id,
      ce_type: event.type,
      ce_source: event.source,
      ce_specversion: '1.0',
      ce_time: event.time,
      'content-type': 'application/json',
    },
    timestamp: Date.parse(event.time),
  }
}

/** The Kafka record of an envelope, in CloudEvents binary mode. */
export function toRecord(event: EventEnvelope): BusRecord {
  return recordOf({ ...event, data: JSON.stringify(event.data) })
}

/** The CloudEvents attributes a consumed record must carry in its headers. */
export const cloudEventHeaders = z.object({
  ce_id: z.string().min(1),
  ce_type: z.string().min(1),
  ce_source: z.string().min(1),
  ce_specversion: z.literal('1.0'),
  ce_time: z.iso.datetime({ offset: true }),
})

/** Reads and validates a consumed record as an envelope: headers, JSON body, and the type's data schema. */
export function fromRecord(record: ConsumedRecord): EventEnvelope {
  const headers = cloudEventHeaders.parse(record.headers)
  const raw: unknown = JSON.parse(record.value)
  const data = isEventType(headers.ce_type) ? EVENT_TYPES[headers.ce_type].schema.parse(raw) : raw
  return {
    id: headers.ce_id,
    type: headers.ce_type,
    source: headers.ce_source,
    specversion: '1.0',
    time: headers.ce_time,
    key: record.key ?? '',
    topic: record.topic,
    data,
  }
}
