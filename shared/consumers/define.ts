import type { z } from 'zod'
import type { Tx } from '../db/client.ts'
import type { EventEnvelope } from '../events/envelope.ts'
import type { ConsumedRecord } from '../events/record.ts'
import type { TopicName } from '../events/topics.ts'
import { EVENT_TYPES, type EventData, type EventType } from '../events/types.ts'
import type { RetryPolicy } from './retry.ts'

/** A consumed event after its headers and data passed the consumer's schema. */
export interface ConsumedEvent<T extends EventType = EventType, D = unknown> {
  id: string
  type: T
  source: string
  time: string
  key: string | null
  data: D
  /** Where it was read: for logs and dead letters, never for business decisions. */
  record: Pick<ConsumedRecord, 'topic' | 'partition' | 'offset' | 'timestamp'>
}

/** What a handler may use: everything it writes goes through `tx`, and commits with the event. */
export interface ConsumerContext<P = undefined> {
  /** What `prepare` returned for this attempt (undefined without one). */
  prepared: P
  /** The transaction that also records this event as processed: write through it, never `db`. */
  tx: Tx
  /** Events to publish if, and only if, this transaction commits (through the outbox). */
  emit(...events: EventEnvelope[]): void
  /** Aborted when the attempt timed out or the consumer is closing: stop early if you can. */
  signal: AbortSignal
  /** 1 on the first attempt. */
  attempt: number
}

/**
 * A consumed event whose data passed its own type's schema in the catalog: checking `type` narrows
 * `data`, for a consumer of several types that declares no schema of its own.
 */
export type CatalogEvent<T extends EventType> = { [K in T]: ConsumedEvent<K, EventData<K>> }[T]

/** What a consumer's handler gets: its own schema's data, or each type's catalog data. */
export type EventOf<T extends EventType, S extends z.ZodType | undefined> = S extends z.ZodType
  ? ConsumedEvent<T, z.infer<S>>
  : CatalogEvent<T>

/** One consumer: a group reading one topic, the event types it handles and how. */
export interface ConsumerDefinition<
  T extends EventType = EventType,
  S extends z.ZodType | undefined = z.ZodType | undefined,
  P = unknown,
> {
  /** The consumer group; replicas of a service share it and split the topic's partitions. */
  group: string
  topic: TopicName
  /** Types this consumer handles; other catalog types on the topic are skipped and committed. */
  types: readonly T[]
  /**
   * The data it accepts; absent, each record is held to its own type's schema in the catalog. A
   * record that does not parse goes to the DLQ without retries.
   */
  schema?: S
  /**
   * Work outside the transaction, before it, on every attempt: a call to an outside system (a
   * payment provider) that may take a while. The transaction holds this process's write lock, so
   * nothing slow belongs inside it; what is called here must be idempotent itself (it runs again on
   * a retry or a redelivery). Its result is the handler's `ctx.prepared`.
   */
  prepare?(event: EventOf<T, S>, signal: AbortSignal): Promise<P>
  /**
   * Whether the record concerns this consumer, judged from its data alone: one it does not want is
   * skipped and committed like a type it does not handle — no transaction, no processed-event row.
   * For a consumer that acts on few of a type's records (the last status of an order, say).
   */
  wants?(event: EventOf<T, S>): boolean
  handle(event: EventOf<T, S>, ctx: ConsumerContext<P>): Promise<void>
  /**
   * Applies a run of events at once, with the effect `handle` would have on each in turn: for a
   * consumer whose events add up (roll-ups), so a run of records that waited costs a few statements
   * rather than a few per event. It gets the run's events this group has not applied yet, in order,
   * each once. If it fails, nothing of it stays and the run is applied event by event with
   * `handle`, so both must agree. Not with `prepare` or `readOnly`.
   */
  handleRun?(events: EventOf<T, S>[], ctx: ConsumerContext<P>): Promise<void>
  /**
   * The handler only checks (it writes nothing and emits nothing): no transaction and no
   * processed-event row per record, which a consumer with effects needs and a check does not — a
   * redelivered record is simply checked again. `ctx.tx` and `ctx.emit` throw if used.
   */
  readOnly?: boolean
  /** Overrides of the process's retry policy (env `CONSUMER_*`). */
  retry?: Partial<RetryPolicy>
}

/**
 * Declares a consumer: one module per consumed topic exports one of these, and the service's
 * `index.ts` lists it in its `consumers`.
 *
 * @example
 * export const productDeleted = defineConsumer({
 *   group: 'carts', topic: 'product-events', types: ['product.deleted'],
 *   schema: catalogSchema('product.deleted'),
 *   async handle(event, ctx) { … ctx.tx … ctx.emit(…) },
 * })
 */
export function defineConsumer<
  T extends EventType,
  S extends z.ZodType | undefined = undefined,
  P = undefined,
>(definition: ConsumerDefinition<T, S, P>): ConsumerDefinition<T, S, P> {
  for (const type of definition.types) {
    if (EVENT_TYPES[type].topic !== definition.topic)
      throw new Error(`${type} lives on ${EVENT_TYPES[type].topic}, not on ${definition.topic}`)
  }
  return definition
}

/** The catalog's data schema of an event type, for consumers that take the event as declared. */
export function catalogSchema<T extends EventType>(type: T): (typeof EVENT_TYPES)[T]['schema'] {
  return EVENT_TYPES[type].schema
}
