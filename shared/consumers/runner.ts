import { z } from 'zod'
import { wakeRelays } from '../bus/commit.ts'
import { outboxInserts } from '../bus/outbox.ts'
import { processedEvents } from '../bus/schema.ts'
import { sleep } from '../bus/sleep.ts'
import type { EventBus, Subscription } from '../bus/types.ts'
import type { Db, Tx } from '../db/client.ts'
import { afterCommit } from '../db/transaction-scope.ts'
import { cloudEventHeaders, type EventEnvelope } from '../events/envelope.ts'
import type { ConsumedRecord } from '../events/record.ts'
import { EVENT_TYPES, type EventType, isEventType } from '../events/types.ts'
import { log } from '../observability/log.ts'
import { busMetrics } from '../observability/metrics.ts'
import { type DeadLetterCause, writeDeadLetter } from './dead-letter.ts'
import type { ConsumedEvent, ConsumerContext, ConsumerDefinition } from './define.ts'
import { backoffMs, canRetry, type RetryPolicy, withTimeout } from './retry.ts'
import { ConsumerStatusTracker } from './status.ts'

export interface RunnerDeps {
  bus: EventBus
  db: Db
  retry: RetryPolicy
}

type Parsed =
  | { kind: 'event'; event: ConsumedEvent }
  | { kind: 'skip' }
  | { kind: 'invalid'; cause: Omit<DeadLetterCause, 'group' | 'attempts'> }

/** Thrown to the transport when closing cuts a record short: it stays uncommitted for the next owner. */
/** What a read-only consumer's handler gets for `ctx.tx`: any use of it is a bug, said at once. */
const NO_TRANSACTION = new Proxy({} as Tx, {
  get() {
    throw new Error('a read-only consumer has no transaction: it writes nothing')
  },
})

class ConsumerClosingError extends Error {
  constructor() {
    super('The consumer is closing; the record is left for the next owner')
  }
}

/**
 * Runs one consumer on any bus: parses each record with the consumer's schema, applies it once per
 * group in one transaction with the events it emits, retries failures within a time budget, and
 * dead-letters what cannot be applied. The bus only moves records and commits offsets.
 */
export class ConsumerRunner {
  readonly definition: ConsumerDefinition
  readonly #deps: RunnerDeps
  readonly #policy: RetryPolicy
  readonly #stop = new AbortController()
  readonly status: ConsumerStatusTracker
  #subscription: Subscription | null = null

  constructor(definition: ConsumerDefinition, deps: RunnerDeps) {
    this.definition = definition
    this.#deps = deps
    this.#policy = { ...deps.retry, ...definition.retry }
    this.status = new ConsumerStatusTracker(definition, deps.bus)
  }

  get #labels() {
    return { topic: this.definition.topic, group: this.definition.group }
  }

  /** Joins the group; resolves once subscribed (the member may still be joining: see status). */
  async start(): Promise<void> {
    this.#subscription = await this.#deps.bus.subscribe({
      group: this.definition.group,
      topics: [this.definition.topic],
      handler: (record) => this.#process(record),
    })
    this.status.attach(this.#subscription)
  }

  /** How many partitions this process's member owns. */
  assignedCount(): number {
    return this.#subscription?.assignments().length ?? 0
  }

  /** Finishes the records in hand (retries are cut short and left uncommitted) and leaves the group. */
  async close(): Promise<void> {
    this.#stop.abort()
    await this.#subscription?.close()
    this.status.stopped()
  }

  /** Stops as a crash would: nothing in hand is committed. */
  async abort(): Promise<void> {
    this.#stop.abort()
    await this.#subscription?.abort()
    this.status.stopped()
  }

  async #process(record: ConsumedRecord): Promise<void> {
    const parsed = this.#parse(record)
    if (parsed.kind === 'skip') {
      this.status.count('skipped')
      return
    }
    if (parsed.kind === 'invalid') {
      await this.#deadLetter(record, { ...parsed.cause, attempts: 0, group: this.definition.group })
      return
    }
    if (this.definition.wants && !this.definition.wants(parsed.event as never)) {
      this.status.count('skipped')
      return
    }
    const started = Date.now()
    for (let attempt = 1; ; attempt++) {
      try {
        const applied = await this.#apply(parsed.event, attempt)
        this.status.count(applied ? 'handled' : 'duplicates')
        if (applied) busMetrics.consumed.inc(this.#labels)
        busMetrics.handleSeconds.observe(
          { group: this.definition.group },
          (Date.now() - started) / 1000,
        )
        return
      } catch (error) {
        if (this.#stop.signal.aborted) throw new ConsumerClosingError()
        this.status.failed(error)
        const delay = backoffMs(attempt, this.#policy)
        if (!canRetry(error) || Date.now() - started + delay > this.#policy.budgetMs) {
          busMetrics.failed.inc(this.#labels)
          await this.#deadLetter(record, {
            reason: 'failed',
            error,
            attempts: attempt,
            group: this.definition.group,
          })
          return
        }
        this.status.count('retried')
        busMetrics.retried.inc(this.#labels)
        log.warn(
          { err: error, ...this.#labels, offset: String(record.offset), attempt, delayMs: delay },
          'handler failed; retrying',
        )
        this.status.retrying(+1)
        await sleep(delay, this.#stop.signal)
        this.status.retrying(-1)
        if (this.#stop.signal.aborted) throw new ConsumerClosingError()
      }
    }
  }

  #parse(record: ConsumedRecord): Parsed {
    const headers = cloudEventHeaders.safeParse(record.headers)
    if (!headers.success)
      return { kind: 'invalid', cause: { reason: 'unparseable', error: headers.error } }
    const type = headers.data.ce_type
    if (!isEventType(type)) {
      const error = new Error(`Unknown event type '${type}'`)
      return { kind: 'invalid', cause: { reason: 'unknown-type', error } }
    }
    if (!this.definition.types.includes(type)) return { kind: 'skip' }
    let raw: unknown
    try {
      raw = JSON.parse(record.value)
    } catch (error) {
      return { kind: 'invalid', cause: { reason: 'unparseable', error } }
    }
    const data = (this.definition.schema ?? EVENT_TYPES[type].schema).safeParse(raw)
    if (!data.success) {
      const error = new Error(`Invalid ${type}: ${z.prettifyError(data.error)}`)
      return { kind: 'invalid', cause: { reason: 'unparseable', error } }
    }
    return {
      kind: 'event',
      event: {
        id: headers.data.ce_id,
        type: type as EventType,
        source: headers.data.ce_source,
        time: headers.data.ce_time,
        key: record.key,
        data: data.data,
        record: {
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          timestamp: record.timestamp,
        },
      },
    }
  }

  /** One attempt: the processed-event row, the handler's writes and its events, in one transaction. */
  async #apply(event: ConsumedEvent, attempt: number): Promise<boolean> {
    const controller = new AbortController()
    const stop = () => controller.abort()
    this.#stop.signal.addEventListener('abort', stop, { once: true })
    try {
      return await this.#applyIn(event, attempt, controller)
    } finally {
      this.#stop.signal.removeEventListener('abort', stop)
    }
  }

  async #applyIn(
    event: ConsumedEvent,
    attempt: number,
    controller: AbortController,
  ): Promise<boolean> {
    // Slow outside work happens before the transaction takes the write lock.
    const prepared = this.definition.prepare
      ? await withTimeout(
          this.definition.prepare(event as never, controller.signal),
          this.#policy.handlerTimeoutMs,
          controller,
        )
      : undefined
    if (this.definition.readOnly) {
      const ctx: ConsumerContext<unknown> = {
        prepared,
        tx: NO_TRANSACTION,
        signal: controller.signal,
        attempt,
        emit: () => {
          throw new Error(`${this.definition.group} is read-only: it cannot emit events`)
        },
      }
      await withTimeout(
        this.definition.handle(event as never, ctx),
        this.#policy.handlerTimeoutMs,
        controller,
      )
      return true
    }
    return this.#deps.db.transaction(async (tx) => {
      const fresh = await tx
        .insert(processedEvents)
        .values({ groupId: this.definition.group, eventId: event.id, processedAt: Date.now() })
        .onConflictDoNothing()
        .returning({ eventId: processedEvents.eventId })
      if (fresh.length === 0) return false
      const emitted: EventEnvelope[] = []
      let open = true
      const ctx: ConsumerContext<unknown> = {
        prepared,
        tx,
        signal: controller.signal,
        attempt,
        emit: (...events) => {
          if (!open) throw new Error('emit() after the handler finished: its transaction is over')
          emitted.push(...events)
        },
      }
      try {
        await withTimeout(
          this.definition.handle(event as never, ctx),
          this.#policy.handlerTimeoutMs,
          controller,
        )
      } finally {
        open = false
      }
      for (const insert of outboxInserts(tx, emitted)) await insert
      if (emitted.length > 0) afterCommit(wakeRelays)
      return true
    })
  }

  /** Dead-letters through the outbox; only a database that is down can hold this up. */
  async #deadLetter(record: ConsumedRecord, cause: DeadLetterCause): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await writeDeadLetter(this.#deps.db, record, cause)
        break
      } catch (error) {
        if (this.#stop.signal.aborted) throw new ConsumerClosingError()
        log.error({ err: error, ...this.#labels }, 'dead letter could not be written; retrying')
        await sleep(backoffMs(attempt, this.#policy), this.#stop.signal)
      }
    }
    wakeRelays()
    this.status.count('deadLettered')
    busMetrics.deadLettered.inc({ ...this.#labels, reason: cause.reason })
    log.warn(
      {
        err: cause.error,
        ...this.#labels,
        partition: record.partition,
        offset: String(record.offset),
        reason: cause.reason,
      },
      'record dead-lettered',
    )
  }
}
