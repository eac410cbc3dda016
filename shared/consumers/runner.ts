import { z } from 'zod'
import { wakeRelays } from '../bus/commit.ts'
import { outboxInserts } from '../bus/outbox.ts'
import { processedEvents } from '../bus/schema.ts'
import { sleep } from '../bus/sleep.ts'
import type { EventBus, Subscription } from '../bus/types.ts'
import type { Db, Tx } from '../db/client.ts'
import { afterCommit, dropHooksOnFailure } from '../db/transaction-scope.ts'
import { cloudEventHeaders, type EventEnvelope } from '../events/envelope.ts'
import type { ConsumedRecord } from '../events/record.ts'
import { EVENT_TYPES, type EventType, isEventType } from '../events/types.ts'
import { log } from '../observability/log.ts'
import { busMetrics } from '../observability/metrics.ts'
import { type DeadLetterCause, writeDeadLetter } from './dead-letter.ts'
import type { ConsumedEvent, ConsumerContext, ConsumerDefinition } from './define.ts'
import { backoffMs, canRetry, HandlerTimeoutError, type RetryPolicy, withTimeout } from './retry.ts'
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

/**
 * The most records of one partition applied in one transaction. Runs form only while records wait
 * (a consumer that keeps up gets them one by one), and a longer run holds the write lock longer.
 */
export const MAX_RUN = 100

/** What became of each record of a run applied in one transaction, counted once it commits. */
type RunCount = 'handled' | 'duplicates' | 'skipped'

/** What a read-only consumer's handler gets for `ctx.tx`: any use of it is a bug, said at once. */
const NO_TRANSACTION = new Proxy({} as Tx, {
  get() {
    throw new Error('a read-only consumer has no transaction: it writes nothing')
  },
})

/** Thrown to the transport when closing cuts a record short: it stays uncommitted for the next owner. */
class ConsumerClosingError extends Error {
  constructor() {
    super('The consumer is closing; the record is left for the next owner')
  }
}

/**
 * Runs one consumer on any bus: parses each record with the consumer's schema, applies it once per
 * group in one transaction with the events it emits, retries failures within a time budget, and
 * dead-letters what cannot be applied. The bus only moves records and commits offsets.
 *
 * Records that wait are applied in runs: one transaction for up to `MAX_RUN` records of a partition,
 * each in a savepoint with its own processed-event row, so a commit is paid once per run rather
 * than once per record. A record that fails is rolled back to its savepoint alone; the records
 * before it commit, and it goes on by itself through the retries and the dead letter. Consumers
 * with `prepare` (outside calls) or `readOnly` take records one at a time.
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
      handleRun: (records) => this.#processRun(records),
      maxRun: this.definition.prepare || this.definition.readOnly ? 1 : MAX_RUN,
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

  /**
   * Applies a run in as few transactions as it can; a record that fails goes on by itself. Returns
   * how many records are done: all of them, unless the consumer began closing on the way.
   */
  async #processRun(records: ConsumedRecord[]): Promise<number> {
    let at = 0
    try {
      while (records.length - at > 1 && !this.#stop.signal.aborted) {
        const outcome = await this.#applyRun(records.slice(at))
        if (outcome === null) break
        at += outcome.applied
        // The record the run stopped at goes on by itself, through the retries and the dead letter;
        // its failed attempt in the run counts as its first.
        const stoppedAt = records[at]
        if (stoppedAt && !this.#stop.signal.aborted) {
          await this.#process(stoppedAt, outcome.failure)
          at++
        }
      }
      for (; at < records.length && !this.#stop.signal.aborted; at++) {
        await this.#process(records[at] as ConsumedRecord)
      }
    } catch (error) {
      // Closing cut a record short: those before it are done and committed, it is left.
      if (error instanceof ConsumerClosingError) return at
      throw error
    }
    return at
  }

  /**
   * Applies the run's records in order in one transaction, each in a savepoint, and stops at the
   * first it cannot apply there (one that fails, or must be dead-lettered): returns how many it
   * applied, the rest being the caller's, and the error of the one that failed. A handler that
   * timed out may still be writing, so that rolls the whole transaction back, and null says the
   * run must go on record by record.
   */
  async #applyRun(
    records: ConsumedRecord[],
  ): Promise<{ applied: number; failure?: { error: unknown } } | null> {
    if (this.definition.handleRun && (await this.#applyWhole(records)))
      return { applied: records.length }
    const counts: RunCount[] = []
    let failure: { error: unknown } | undefined
    try {
      await this.#attempt((controller) =>
        this.#deps.db.transaction(async (tx) => {
          const emitted: EventEnvelope[] = []
          for (const record of records) {
            // Closing: what is applied commits, the rest is left for the next owner.
            if (this.#stop.signal.aborted) break
            const parsed = this.#parse(record)
            if (parsed.kind === 'invalid') break
            if (parsed.kind === 'skip' || !this.#wants(parsed.event)) {
              counts.push('skipped')
              continue
            }
            const started = Date.now()
            try {
              const applied = await dropHooksOnFailure(() =>
                tx.transaction((savepoint) =>
                  this.#applyInTx(savepoint, parsed.event, undefined, 1, controller, emitted),
                ),
              )
              counts.push(applied ? 'handled' : 'duplicates')
              busMetrics.handleSeconds.observe(
                { group: this.definition.group },
                (Date.now() - started) / 1000,
              )
            } catch (error) {
              if (error instanceof HandlerTimeoutError || controller.signal.aborted) throw error
              failure = { error }
              break
            }
          }
          await writeOutbox(tx, emitted)
        }),
      )
    } catch (error) {
      if (this.#stop.signal.aborted) throw new ConsumerClosingError()
      log.warn({ err: error, ...this.#labels }, 'a run of records failed; applying them one by one')
      return null
    }
    this.#countRun(counts)
    return { applied: counts.length, failure }
  }

  /**
   * The whole run through the consumer's `handleRun`, in one transaction with the run's
   * processed-event rows: true once it committed. False when a record of the run must be
   * dead-lettered or the handler failed: nothing was applied, and the run goes record by record.
   */
  async #applyWhole(records: ConsumedRecord[]): Promise<boolean> {
    const handleRun = this.definition.handleRun
    const parsed = records.map((record) => this.#parse(record))
    if (!handleRun || parsed.some((p) => p.kind === 'invalid')) return false
    const events = parsed.flatMap((p) =>
      p.kind === 'event' && this.#wants(p.event) ? [p.event] : [],
    )
    const started = Date.now()
    let fresh: ConsumedEvent[] = []
    try {
      await this.#attempt((controller) =>
        this.#deps.db.transaction(async (tx) => {
          const rows = events.map((e) => ({
            groupId: this.definition.group,
            eventId: e.id,
            processedAt: started,
          }))
          const inserted =
            rows.length === 0
              ? []
              : await tx
                  .insert(processedEvents)
                  .values(rows)
                  .onConflictDoNothing()
                  .returning({ eventId: processedEvents.eventId })
          // An event twice in the run is applied at its first place.
          const ids = new Set(inserted.map((r) => r.eventId))
          fresh = events.filter((e) => ids.delete(e.id))
          if (fresh.length === 0) return
          const emitted = await this.#runHandler(
            (ctx) => handleRun(fresh as never, ctx),
            tx,
            undefined,
            1,
            controller,
          )
          await writeOutbox(tx, emitted)
        }),
      )
    } catch (error) {
      if (this.#stop.signal.aborted) throw new ConsumerClosingError()
      log.warn(
        { err: error, ...this.#labels },
        'a run failed as a whole; applying its records one by one',
      )
      return false
    }
    const perEvent = (Date.now() - started) / 1000 / Math.max(1, fresh.length)
    for (let i = 0; i < fresh.length; i++)
      busMetrics.handleSeconds.observe({ group: this.definition.group }, perEvent)
    this.#countRun([
      ...fresh.map((): RunCount => 'handled'),
      ...Array.from({ length: events.length - fresh.length }, (): RunCount => 'duplicates'),
      ...Array.from({ length: records.length - events.length }, (): RunCount => 'skipped'),
    ])
    return true
  }

  #countRun(counts: RunCount[]): void {
    for (const count of counts) this.status.count(count)
    const handled = counts.filter((c) => c === 'handled').length
    if (handled > 0) busMetrics.consumed.inc(this.#labels, handled)
  }

  /** Runs one attempt with its own controller: aborted by a timeout, or when the consumer closes. */
  async #attempt<T>(work: (controller: AbortController) => Promise<T>): Promise<T> {
    const controller = new AbortController()
    const stop = () => controller.abort()
    this.#stop.signal.addEventListener('abort', stop, { once: true })
    try {
      return await work(controller)
    } finally {
      this.#stop.signal.removeEventListener('abort', stop)
    }
  }

  #wants(event: ConsumedEvent): boolean {
    return !this.definition.wants || this.definition.wants(event as never)
  }

  /** Applies one record, retrying within the budget; `failedBefore` is an attempt already made. */
  async #process(record: ConsumedRecord, failedBefore?: { error: unknown }): Promise<void> {
    const parsed = this.#parse(record)
    if (parsed.kind === 'skip') {
      this.status.count('skipped')
      return
    }
    if (parsed.kind === 'invalid') {
      await this.#deadLetter(record, { ...parsed.cause, attempts: 0, group: this.definition.group })
      return
    }
    if (!this.#wants(parsed.event)) {
      this.status.count('skipped')
      return
    }
    const started = Date.now()
    let failure = failedBefore
    for (let attempt = 1; ; attempt++) {
      if (!failure) {
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
          failure = { error }
        }
      }
      const { error } = failure
      failure = undefined
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
  #apply(event: ConsumedEvent, attempt: number): Promise<boolean> {
    return this.#attempt((controller) => this.#applyIn(event, attempt, controller))
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
      const emitted: EventEnvelope[] = []
      const applied = await this.#applyInTx(tx, event, prepared, attempt, controller, emitted)
      await writeOutbox(tx, emitted)
      return applied
    })
  }

  /**
   * In `tx`: the event's processed-event row, then its handler, whose events join `emitted` once
   * it succeeds. False, and nothing done, when this group has already applied the event.
   */
  async #applyInTx(
    tx: Tx,
    event: ConsumedEvent,
    prepared: unknown,
    attempt: number,
    controller: AbortController,
    emitted: EventEnvelope[],
  ): Promise<boolean> {
    const fresh = await tx
      .insert(processedEvents)
      .values({ groupId: this.definition.group, eventId: event.id, processedAt: Date.now() })
      .onConflictDoNothing()
      .returning({ eventId: processedEvents.eventId })
    if (fresh.length === 0) return false
    emitted.push(
      ...(await this.#runHandler(
        (ctx) => this.definition.handle(event as never, ctx),
        tx,
        prepared,
        attempt,
        controller,
      )),
    )
    return true
  }

  /** Runs a handler in `tx` within the time limit; resolves with the events it emitted. */
  async #runHandler(
    handler: (ctx: ConsumerContext<unknown>) => Promise<void>,
    tx: Tx,
    prepared: unknown,
    attempt: number,
    controller: AbortController,
  ): Promise<EventEnvelope[]> {
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
      await withTimeout(handler(ctx), this.#policy.handlerTimeoutMs, controller)
    } finally {
      open = false
    }
    return emitted
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

/** The events a transaction emitted, into the outbox; the relay is woken once it commits. */
async function writeOutbox(tx: Tx, emitted: EventEnvelope[]): Promise<void> {
  for (const insert of outboxInserts(tx, emitted)) await insert
  if (emitted.length > 0) afterCommit(wakeRelays)
}
