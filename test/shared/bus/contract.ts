// The consumer contract: one runner (shared/consumers) on both buses, the same suite for each.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { z } from 'zod'
import { onEventsCommitted } from '../../../shared/bus/commit.ts'
import { OutboxRelay } from '../../../shared/bus/relay.ts'
import type { BusRecord, EventBus } from '../../../shared/bus/types.ts'
import { type ConsumerDefinition, catalogSchema } from '../../../shared/consumers/define.ts'
import { replayDeadLetters } from '../../../shared/consumers/dlq.ts'
import type { RetryPolicy } from '../../../shared/consumers/retry.ts'
import { ConsumerRunner } from '../../../shared/consumers/runner.ts'
import type { Database, Db } from '../../../shared/db/client.ts'
import { afterCommit } from '../../../shared/db/transaction-scope.ts'
import { AppError } from '../../../shared/errors.ts'
import { createEvent } from '../../../shared/events/envelope.ts'
import { catalogWithDlqs, dlqTopic, type TopicName } from '../../../shared/events/topics.ts'
import { eventually, readTopic, tempDatabase, unique } from '../../helpers/broker.ts'

export interface ContractHarness {
  /** A bus for one group member; called more than once for the multi-member tests. */
  bus(database: Database): EventBus
  /** Closes buses made by `bus`. */
  cleanup?(): Promise<void>
}

const POLICY: RetryPolicy = {
  budgetMs: 20_000,
  baseMs: 20,
  maxBackoffMs: 400,
  handlerTimeoutMs: 10_000,
}

type Viewed = { userId: string; productId: string; metadata: Record<string, unknown> }
type Handle = ConsumerDefinition<'product.viewed'>['handle']
type HandleRun = NonNullable<ConsumerDefinition<'product.viewed'>['handleRun']>

/** A `product.viewed` record as the outbox would publish it; `i` rides in the metadata. */
function viewed(topic: string, i: number, key: string, extra: Partial<BusRecord> = {}): BusRecord {
  return {
    topic,
    key,
    value: JSON.stringify({ userId: key, productId: `p-${i}`, metadata: { i } }),
    headers: {
      ce_id: `${topic}-${i}`,
      ce_type: 'product.viewed',
      ce_source: '/test',
      ce_specversion: '1.0',
      ce_time: new Date().toISOString(),
      'content-type': 'application/json',
    },
    ...extra,
  }
}

const indexOf = (data: unknown) => (data as Viewed).metadata.i as number

/** The database as the runner sees it, counting the transactions it opens. */
function countingTransactions(db: Db): { db: Db; transactions: () => number } {
  let transactions = 0
  const counted = new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target)
      if (prop === 'transaction') {
        return (...args: Parameters<Db['transaction']>) => {
          transactions++
          return target.transaction(...args)
        }
      }
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { db: counted, transactions: () => transactions }
}

export function busContract(name: string, harness: ContractHarness): void {
  describe(`consumer contract: ${name}`, () => {
    let database: Awaited<ReturnType<typeof tempDatabase>>
    let bus: EventBus
    let relay: OutboxRelay
    let stopWaking: () => void
    const running: ConsumerRunner[] = []

    async function newTopic(partitions: number, withDlq = true): Promise<string> {
      const topic = unique('contract')
      await bus.ensureTopics([
        { name: topic, partitions, retentionDays: 1, purpose: 'test', consumed: true },
        ...(withDlq
          ? [
              {
                name: dlqTopic(topic),
                partitions: 1,
                retentionDays: 1,
                purpose: 'test',
                consumed: false,
              },
            ]
          : []),
      ])
      return topic
    }

    /** Starts the one runner for a test consumer of `product.viewed` on `topic`. */
    async function run(
      topic: string,
      group: string,
      handle: Handle,
      opts: {
        on?: EventBus
        retry?: Partial<RetryPolicy>
        readOnly?: boolean
        db?: Db
        handleRun?: HandleRun
      } = {},
    ): Promise<ConsumerRunner> {
      const runner = new ConsumerRunner(
        {
          group,
          topic: topic as TopicName,
          types: ['product.viewed'],
          schema: catalogSchema('product.viewed'),
          handle: handle as ConsumerDefinition['handle'],
          retry: opts.retry,
          readOnly: opts.readOnly,
          handleRun: opts.handleRun as ConsumerDefinition['handleRun'],
        },
        { bus: opts.on ?? bus, db: opts.db ?? database.db, retry: POLICY },
      )
      await runner.start()
      running.push(runner)
      return runner
    }

    /** Records one effect per event through the handler's transaction. */
    const effect: Handle = async (event, ctx) => {
      await ctx.tx.run(
        sql`insert into contract_effects (event_id, group_id) values (${event.id}, ${'g'})`,
      )
    }

    async function effects(topic: string): Promise<Map<string, number>> {
      const rows = await database.client.execute({
        sql: 'select event_id, count(*) as n from contract_effects where event_id like ? group by event_id',
        args: [`${topic}-%`],
      })
      return new Map(rows.rows.map((r) => [String(r.event_id), Number(r.n)]))
    }

    async function dlqEnd(topic: string): Promise<bigint> {
      const [d] = await bus.describeTopics([dlqTopic(topic)])
      return (d?.partitions ?? []).reduce((n, p) => n + p.end, 0n)
    }

    beforeAll(async () => {
      database = await tempDatabase()
      bus = harness.bus(database)
      await database.client.execute(
        'create table contract_effects (event_id text not null, group_id text not null)',
      )
      await bus.ensureTopics(catalogWithDlqs().filter((t) => t.name === 'analytics-events'))
      // Dead letters and emitted events go through the outbox: a relay publishes them, as in the shop.
      relay = new OutboxRelay(database.db, bus, {
        batchSize: 500,
        pollMs: 20,
        retentionMs: 3_600_000,
      })
      relay.start()
      stopWaking = onEventsCommitted(() => relay.notify())
    })

    afterAll(async () => {
      await Promise.allSettled(running.map((r) => r.close()))
      stopWaking()
      await relay.stop()
      await bus.close()
      await harness.cleanup?.()
      database.close()
    })

    test('keeps the order of records with one key', async () => {
      const topic = await newTopic(3)
      await bus.publish(Array.from({ length: 120 }, (_, i) => viewed(topic, i, `user-${i % 6}`)))
      const seen: { key: string; i: number; partition: number }[] = []
      await run(topic, unique('order'), async (e) => {
        seen.push({ key: e.key ?? '', i: indexOf(e.data), partition: e.record.partition })
      })
      await eventually(() => seen.length >= 120, 30_000, '120 records')
      for (let k = 0; k < 6; k++) {
        const forKey = seen.filter((r) => r.key === `user-${k}`)
        expect(forKey.map((r) => r.i)).toEqual(forKey.map((r) => r.i).sort((a, b) => a - b))
        expect(forKey).toHaveLength(20)
        expect(new Set(forKey.map((r) => r.partition)).size).toBe(1)
      }
    })

    test('records that wait are applied in runs: a transaction for many records, each applied once', async () => {
      const topic = await newTopic(1)
      // 60 events waiting, one of them published twice in a row.
      await bus.publish(
        Array.from({ length: 61 }, (_, n) => viewed(topic, n <= 10 ? n : n - 1, 'k')),
      )
      const counting = countingTransactions(database.db)
      const committed: number[] = []
      const runner = await run(
        topic,
        unique('runs'),
        async (e, ctx) => {
          await effect(e, ctx)
          afterCommit(() => committed.push(indexOf(e.data)))
        },
        { db: counting.db },
      )
      await eventually(async () => (await effects(topic)).size === 60, 30_000, 'sixty effects')
      await eventually(() => runner.status.counts.duplicates === 1, 10_000, 'the duplicate')
      expect([...(await effects(topic)).values()].every((n) => n === 1)).toBe(true)
      expect(runner.status.counts.handled).toBe(60)
      expect(committed).toEqual(Array.from({ length: 60 }, (_, i) => i))
      // One transaction per record would be 61.
      expect(counting.transactions()).toBeLessThanOrEqual(10)
    })

    test('a record failing inside a run is rolled back alone, and the records around it apply once', async () => {
      const topic = await newTopic(1)
      await bus.publish(Array.from({ length: 20 }, (_, i) => viewed(topic, i, 'k')))
      const committed: number[] = []
      let failures = 0
      const runner = await run(topic, unique('run-failure'), async (e, ctx) => {
        await effect(e, ctx)
        afterCommit(() => committed.push(indexOf(e.data)))
        // Fails once after writing: its write and its after-commit hook must go with it.
        if (indexOf(e.data) === 7 && failures++ === 0) throw new Error('a passing failure')
      })
      await eventually(async () => (await effects(topic)).size === 20, 30_000, 'twenty effects')
      await eventually(() => runner.status.counts.handled === 20, 10_000, 'all handled')
      expect(failures).toBe(2)
      expect([...(await effects(topic)).values()].every((n) => n === 1)).toBe(true)
      expect(committed).toEqual(Array.from({ length: 20 }, (_, i) => i))
      expect(runner.status.counts.deadLettered).toBe(0)
    })

    test('a consumer with handleRun gets the records that waited as one run, each new event once', async () => {
      const topic = await newTopic(1)
      await bus.publish(
        Array.from({ length: 41 }, (_, n) => viewed(topic, n <= 20 ? n : n - 1, 'k')),
      )
      const counting = countingTransactions(database.db)
      const runs: number[] = []
      const runner = await run(topic, unique('handle-run'), effect, {
        db: counting.db,
        handleRun: async (events, ctx) => {
          runs.push(events.length)
          for (const e of events) await effect(e, ctx)
        },
      })
      await eventually(async () => (await effects(topic)).size === 40, 30_000, 'forty effects')
      await eventually(() => runner.status.counts.duplicates === 1, 10_000, 'the duplicate')
      expect([...(await effects(topic)).values()].every((n) => n === 1)).toBe(true)
      expect(Math.max(...runs)).toBeGreaterThan(1)
      expect(counting.transactions()).toBeLessThanOrEqual(10)
    })

    test('a handleRun that fails leaves nothing, and its run is applied record by record', async () => {
      const topic = await newTopic(1)
      await bus.publish(Array.from({ length: 30 }, (_, i) => viewed(topic, i, 'k')))
      let wholeRuns = 0
      const runner = await run(topic, unique('handle-run-fails'), effect, {
        handleRun: async (events, ctx) => {
          wholeRuns++
          for (const e of events) await effect(e, ctx)
          throw new Error('cannot add these up')
        },
      })
      await eventually(async () => (await effects(topic)).size === 30, 30_000, 'thirty effects')
      await eventually(() => runner.status.counts.handled === 30, 10_000, 'all handled')
      expect(wholeRuns).toBeGreaterThan(0)
      expect([...(await effects(topic)).values()].every((n) => n === 1)).toBe(true)
      expect(runner.status.counts.deadLettered).toBe(0)
    })

    test('a crash before the commit redelivers the record, and its effect is applied once', async () => {
      const topic = await newTopic(1)
      const group = unique('crash')
      await bus.publish(Array.from({ length: 10 }, (_, i) => viewed(topic, i, 'k')))
      let crashed: Promise<void> | null = null
      const first: ConsumerRunner = await run(topic, group, async (e, ctx) => {
        await effect(e, ctx)
        // The process dies while the effect commits, before the offset does.
        if (indexOf(e.data) === 4) crashed = first.abort()
      })
      await eventually(() => crashed !== null, 30_000, 'the crash')
      await crashed
      const second = await run(topic, group, effect)
      await eventually(async () => (await effects(topic)).size === 10, 30_000, 'all ten effects')
      await eventually(() => second.status.counts.duplicates >= 1, 10_000, 'the redelivery')
      expect([...(await effects(topic)).values()].every((n) => n === 1)).toBe(true)
    })

    test('close finishes and commits the record in hand, so the next member starts after it', async () => {
      const topic = await newTopic(1)
      const group = unique('close')
      await bus.publish(Array.from({ length: 4 }, (_, i) => viewed(topic, i, 'k')))
      const firstRun: number[] = []
      let closing: Promise<void> | null = null
      const first: ConsumerRunner = await run(topic, group, async (e) => {
        if (indexOf(e.data) === 1) {
          closing = first.close()
          await Bun.sleep(100)
        }
        firstRun.push(indexOf(e.data))
      })
      await eventually(() => closing !== null, 30_000, 'the close')
      await closing
      expect(firstRun).toEqual([0, 1])
      const [lag] = await bus.lag(group, [topic])
      expect(lag?.committed).toBe(2n)
      const secondRun: number[] = []
      await run(topic, group, async (e) => void secondRun.push(indexOf(e.data)))
      await eventually(() => secondRun.length >= 2, 30_000, 'the rest')
      expect(secondRun).toEqual([2, 3])
    })

    test('a record that does not parse, or has an unknown type, goes to the DLQ on the first try', async () => {
      const topic = await newTopic(1)
      const group = unique('parse')
      const good = viewed(topic, 0, 'k')
      const badJson = { ...viewed(topic, 1, 'k'), value: '{not json' }
      const badData = { ...viewed(topic, 2, 'k'), value: JSON.stringify({ userId: 'k' }) }
      const unknownType = viewed(topic, 3, 'k')
      unknownType.headers = { ...unknownType.headers, ce_type: 'product.teleported' }
      const noHeaders = { ...viewed(topic, 4, 'k'), headers: {} }
      await bus.publish([good, badJson, badData, unknownType, noHeaders, viewed(topic, 5, 'k')])
      const calls: number[] = []
      const runner = await run(topic, group, async (e) => void calls.push(indexOf(e.data)))
      await eventually(() => calls.includes(5), 30_000, 'the good records')
      expect(calls).toEqual([0, 5])
      expect(runner.status.counts).toMatchObject({ handled: 2, retried: 0, deadLettered: 4 })
      const letters = await readTopic(bus, dlqTopic(topic), (r) => r.length >= 4)
      expect(letters.map((l) => l.headers.dlq_source_offset)).toEqual(['1', '2', '3', '4'])
      expect(letters.map((l) => l.headers.dlq_reason)).toEqual([
        'unparseable',
        'unparseable',
        'unknown-type',
        'unparseable',
      ])
      expect(letters.every((l) => l.headers.dlq_attempts === '0')).toBe(true)
      expect(letters[2]?.headers.dlq_error).toContain('product.teleported')
      expect(letters[1]?.headers.dlq_error).toContain('productId')
    })

    test('a handler failing for 3 s and then succeeding is retried, not dead-lettered', async () => {
      const topic = await newTopic(1)
      const failUntil = Date.now() + 3000
      const applied: number[] = []
      const runner = await run(
        topic,
        unique('hiccup'),
        async (e) => {
          if (Date.now() < failUntil) throw new Error('database is restarting')
          applied.push(indexOf(e.data))
        },
        { retry: { budgetMs: 60_000, baseMs: 50, maxBackoffMs: 1000 } },
      )
      await bus.publish([viewed(topic, 0, 'k'), viewed(topic, 1, 'k')])
      await eventually(() => applied.length >= 2, 30_000, 'both records after the hiccup')
      expect(applied).toEqual([0, 1])
      expect(runner.status.counts.retried).toBeGreaterThan(2)
      expect(runner.status.counts.deadLettered).toBe(0)
      expect(await dlqEnd(topic)).toBe(0n)
    })

    test('a record that keeps failing past the budget is dead-lettered with its error and origin', async () => {
      const topic = await newTopic(1)
      const group = unique('budget')
      await bus.publish([0, 1, 2].map((i) => viewed(topic, i, 'k')))
      let attempts = 0
      const handled: number[] = []
      await run(
        topic,
        group,
        async (e) => {
          if (indexOf(e.data) === 1) {
            attempts++
            throw new Error('cannot digest this record')
          }
          handled.push(indexOf(e.data))
        },
        { retry: { budgetMs: 600, baseMs: 50, maxBackoffMs: 100 } },
      )
      await eventually(() => handled.includes(2), 30_000, 'the record after the failing one')
      expect(handled).toEqual([0, 2])
      expect(attempts).toBeGreaterThan(2)
      const [letter] = await readTopic(bus, dlqTopic(topic), (r) => r.length >= 1)
      expect(letter?.key).toBe('k')
      expect(letter?.headers).toMatchObject({
        ce_id: `${topic}-1`,
        ce_type: 'product.viewed',
        dlq_reason: 'failed',
        dlq_error: 'cannot digest this record',
        dlq_source_topic: topic,
        dlq_source_partition: '0',
        dlq_source_offset: '1',
        dlq_group: group,
        dlq_attempts: String(attempts),
      })
    })

    test('a read-only consumer keeps no processed-event rows and still dead-letters what fails its check', async () => {
      const topic = await newTopic(1)
      const group = unique('read-only')
      await bus.publish([0, 1, 2].map((i) => viewed(topic, i, 'k')))
      const checked: number[] = []
      let usedTx: unknown = null
      await run(
        topic,
        group,
        async (e, ctx) => {
          if (indexOf(e.data) === 1) throw new z.ZodError([])
          if (indexOf(e.data) === 2) {
            try {
              await ctx.tx.run(sql`select 1`)
            } catch (error) {
              usedTx = error
            }
          }
          checked.push(indexOf(e.data))
        },
        { readOnly: true },
      )
      await eventually(() => checked.includes(2), 30_000, 'the records after the failing one')
      expect(checked).toEqual([0, 2])
      expect(String(usedTx)).toContain('read-only consumer has no transaction')
      const rows = await database.client.execute({
        sql: 'select count(*) as n from processed_events where group_id = ?',
        args: [group],
      })
      expect(Number(rows.rows[0]?.n)).toBe(0)
      const [letter] = await readTopic(bus, dlqTopic(topic), (r) => r.length >= 1)
      expect(letter?.headers).toMatchObject({ ce_id: `${topic}-1`, dlq_group: group })
    })

    test('a handler that emits events in its transaction neither deadlocks nor loses them', async () => {
      const topic = await newTopic(1)
      const marker = unique('emitted')
      await bus.publish([0, 1, 2].map((i) => viewed(topic, i, 'k')))
      let concurrentWrite: Promise<unknown> | null = null
      await run(topic, unique('emit'), async (e, ctx) => {
        await effect(e, ctx)
        // Another writer of the process (an HTTP request) waits for this transaction, then runs.
        concurrentWrite ??= database.db.run(sql`create table if not exists contract_other (x)`)
        ctx.emit(
          createEvent(
            'product_list.viewed',
            { userId: marker, metadata: { from: e.id } },
            { source: '/test', id: `${marker}-${indexOf(e.data)}` },
          ),
        )
        await Bun.sleep(20)
      })
      const published = await readTopic(
        bus,
        'analytics-events',
        (r) => r.filter((x) => x.key === marker).length >= 3,
      )
      expect(published.filter((r) => r.key === marker).map((r) => r.headers.ce_id)).toEqual([
        `${marker}-0`,
        `${marker}-1`,
        `${marker}-2`,
      ])
      await concurrentWrite
      expect((await effects(topic)).size).toBe(3)
    })

    test('a write through db inside the handler fails at once instead of deadlocking', async () => {
      const topic = await newTopic(1)
      await bus.publish([viewed(topic, 0, 'k'), viewed(topic, 1, 'k')])
      const handled: number[] = []
      const runner = await run(topic, unique('nested'), async (e) => {
        if (indexOf(e.data) === 0) await database.db.run(sql`create table if not exists nope (x)`)
        handled.push(indexOf(e.data))
      })
      await eventually(() => handled.includes(1), 15_000, 'the next record')
      expect(handled).toEqual([1])
      expect(runner.status.counts).toMatchObject({ deadLettered: 1, retried: 0 })
      const [letter] = await readTopic(bus, dlqTopic(topic), (r) => r.length >= 1)
      expect(letter?.headers.dlq_error).toContain('write through the transaction')
    })

    test('a hung handler times out, is rolled back and retried, and the writers waiting behind it go on', async () => {
      const topic = await newTopic(1)
      let calls = 0
      await run(
        topic,
        unique('timeout'),
        async (e, ctx) => {
          calls++
          await effect(e, ctx)
          if (calls === 1) await new Promise(() => {})
        },
        { retry: { handlerTimeoutMs: 300 } },
      )
      await bus.publish([viewed(topic, 0, 'k')])
      await eventually(() => calls === 1, 15_000, 'the first attempt')
      // Another writer of the process waits for the hung attempt's lock, and gets it at the timeout.
      const waiting = database.db.run(sql`create table if not exists contract_after_timeout (x)`)
      const outcome = await Promise.race([
        waiting.then(() => 'written'),
        Bun.sleep(10_000).then(() => 'still waiting'),
      ])
      expect(outcome).toBe('written')
      await eventually(async () => (await effects(topic)).size === 1, 15_000, 'the retried effect')
      // The first attempt's effect was rolled back with it: one effect, from the second attempt.
      expect((await effects(topic)).get(`${topic}-0`)).toBe(1)
      expect(calls).toBe(2)
    })

    test('one stuck partition does not stop the others', async () => {
      const topic = await newTopic(4)
      const stuckUntil = Date.now() + 3000
      const handledAt = new Map<number, { at: number; partition: number }>()
      await run(topic, unique('stuck'), async (e) => {
        if (e.key === 'stuck' && Date.now() < stuckUntil) throw new Error('stuck')
        handledAt.set(indexOf(e.data), { at: Date.now(), partition: e.record.partition })
      })
      await bus.publish([
        viewed(topic, 0, 'stuck'),
        ...Array.from({ length: 40 }, (_, i) => viewed(topic, i + 1, `free-${i}`)),
      ])
      await eventually(() => handledAt.size >= 41, 30_000, 'every record')
      const stuck = handledAt.get(0) as { at: number; partition: number }
      const elsewhere = [...handledAt.entries()].filter(([, h]) => h.partition !== stuck.partition)
      expect(elsewhere.length).toBeGreaterThan(0)
      // Every record of the other partitions was done while the stuck one was still failing.
      expect(elsewhere.every(([, h]) => h.at < stuck.at)).toBe(true)
      expect(stuck.at).toBeGreaterThanOrEqual(stuckUntil)
    })

    test('a partition stuck behind more records than a member buffers catches up in order, once each', async () => {
      const topic = await newTopic(2)
      const stuckUntil = Date.now() + 3000
      const seen: { key: string; i: number }[] = []
      await run(topic, unique('backlog'), async (e, ctx) => {
        if (indexOf(e.data) === 0 && Date.now() < stuckUntil) throw new Error('stuck')
        await effect(e, ctx)
        seen.push({ key: e.key ?? '', i: indexOf(e.data) })
      })
      // 1,500 records behind the stuck one (more than a lane holds), and others on the other key.
      await bus.publish(Array.from({ length: 1500 }, (_, i) => viewed(topic, i, 'stuck')))
      await bus.publish(Array.from({ length: 50 }, (_, i) => viewed(topic, 5000 + i, 'free')))
      await eventually(() => seen.length >= 1550, 60_000, 'every record')
      const stuck = seen.filter((r) => r.key === 'stuck').map((r) => r.i)
      expect(stuck).toEqual(Array.from({ length: 1500 }, (_, i) => i))
      expect((await effects(topic)).size).toBe(1550)
      expect([...(await effects(topic)).values()].every((n) => n === 1)).toBe(true)
    })

    test('a dead letter replayed to its topic is applied once, however often it is replayed', async () => {
      const topic = await newTopic(1)
      let broken = true
      await run(topic, unique('replay-dlq'), async (e, ctx) => {
        if (broken)
          throw new AppError('the price service refused', { code: 'REFUSED', status: 422 })
        await effect(e, ctx)
      })
      await bus.publish([viewed(topic, 0, 'k')])
      await eventually(async () => (await dlqEnd(topic)) >= 1n, 30_000, 'the dead letter')
      expect((await effects(topic)).size).toBe(0)
      broken = false
      const [replayed] = await replayDeadLetters(bus, topic, { offset: 0n })
      expect(replayed?.eventId).toBe(`${topic}-0`)
      await eventually(async () => (await effects(topic)).get(`${topic}-0`) === 1, 30_000, 'it')
      await replayDeadLetters(bus, topic)
      await eventually(async () => {
        const [d] = await bus.describeTopics([topic])
        return d?.partitions[0]?.end === 3n
      })
      await Bun.sleep(500)
      expect((await effects(topic)).get(`${topic}-0`)).toBe(1)
    })

    test('a missing DLQ topic never wedges the partition', async () => {
      const topic = await newTopic(1, false)
      await bus.publish([viewed(topic, 0, 'k', { value: '{}' }), viewed(topic, 1, 'k')])
      const handled: number[] = []
      await run(topic, unique('no-dlq'), async (e) => void handled.push(indexOf(e.data)))
      await eventually(() => handled.includes(1), 15_000, 'the record after the bad one')
      const [row] = (
        await database.client.execute({
          sql: 'select topic from outbox where topic = ?',
          args: [dlqTopic(topic)],
        })
      ).rows
      expect(row?.topic).toBe(dlqTopic(topic))
    })

    test('replays a group from a timestamp', async () => {
      const topic = await newTopic(2)
      const group = unique('seek')
      const t0 = Date.now() - 60_000
      await bus.publish(
        Array.from({ length: 6 }, (_, i) => viewed(topic, i, `k${i}`, { timestamp: t0 })),
      )
      await bus.publish(
        Array.from({ length: 6 }, (_, i) =>
          viewed(topic, 100 + i, `k${i}`, { timestamp: t0 + 30_000 }),
        ),
      )
      const all: number[] = []
      const first = await run(topic, group, async (e) => void all.push(indexOf(e.data)))
      await eventually(() => all.length >= 12, 30_000, 'everything once')
      await first.close()
      await bus.seek(group, topic, { timestamp: t0 + 10_000 })
      const replayed: number[] = []
      // The replayed events were processed by this group already; a new group id sees them again.
      await run(topic, group, async (e) => void replayed.push(indexOf(e.data)))
      const second = running[running.length - 1] as ConsumerRunner
      await eventually(() => second.status.counts.duplicates >= 6, 30_000, 'the replay')
      await Bun.sleep(300)
      // Exactly the six records after the time came again, and the group had applied them already.
      expect(second.status.counts.duplicates).toBe(6)
      expect(replayed).toEqual([])
    })

    test('seeking to a time while records arrive never skips one stamped after it', async () => {
      const topic = await newTopic(1)
      await bus.publish([viewed(topic, 0, 'k', { timestamp: Date.now() - 60_000 })])
      // A record published while the seek looks for the time must still be read by the group:
      // each round publishes one stamped after the time, at a varying moment during the seek.
      const skipped: number[] = []
      for (let round = 1; round <= 25; round++) {
        const group = unique('seek-race')
        const at = Date.now()
        await Promise.all([
          bus.seek(group, topic, { timestamp: at }),
          Bun.sleep(round % 5).then(() =>
            bus.publish([viewed(topic, round, 'k', { timestamp: at + 1 })]),
          ),
        ])
        const [p] = await bus.lag(group, [topic])
        // The round's record is the last one: the group must not start past it.
        if ((p?.lag ?? 0n) < 1n) skipped.push(round)
      }
      expect(skipped).toEqual([])
    })

    test('seeking to an offset lands there, or at the end of a partition that has fewer records', async () => {
      const topic = await newTopic(1)
      await bus.publish([0, 1, 2].map((i) => viewed(topic, i, 'k')))
      const past = unique('seek-past')
      await bus.seek(past, topic, { offset: 10n })
      const within = unique('seek-within')
      await bus.seek(within, topic, { offset: 1n })
      await bus.publish([viewed(topic, 3, 'k')])
      const fromPast: number[] = []
      const fromWithin: number[] = []
      await run(topic, past, async (e) => void fromPast.push(indexOf(e.data)))
      await run(topic, within, async (e) => void fromWithin.push(indexOf(e.data)))
      await eventually(() => fromPast.length >= 1 && fromWithin.length >= 3, 30_000, 'both groups')
      await Bun.sleep(300)
      // Past the end is the end: not Kafka's reset to the earliest record, not a wait for offset 10.
      expect(fromPast).toEqual([3])
      expect(fromWithin).toEqual([1, 2, 3])
    })

    test('members split the partitions, and a hand-off applies every record exactly once', async () => {
      const topic = await newTopic(4)
      const group = unique('members')
      const other = harness.bus(database)
      const seenBy = { a: 0, b: 0 }
      const a = await run(topic, group, async (e, ctx) => {
        seenBy.a++
        await effect(e, ctx)
      })
      const b = await run(
        topic,
        group,
        async (e, ctx) => {
          seenBy.b++
          await effect(e, ctx)
        },
        { on: other },
      )
      await eventually(
        () =>
          a.assignedCount() > 0 &&
          b.assignedCount() > 0 &&
          a.assignedCount() + b.assignedCount() === 4,
        45_000,
        'both members to own partitions',
      )
      await bus.publish(Array.from({ length: 80 }, (_, i) => viewed(topic, i, `key-${i}`)))
      await eventually(() => seenBy.a + seenBy.b >= 80, 30_000, 'all 80 records')
      expect(seenBy.a).toBeGreaterThan(0)
      expect(seenBy.b).toBeGreaterThan(0)
      // Records keep arriving while b leaves: the hand-off must neither lose nor repeat an effect.
      const publishing = (async () => {
        for (let batch = 0; batch < 8; batch++) {
          await bus.publish(
            Array.from({ length: 10 }, (_, i) => viewed(topic, 1000 + batch * 10 + i, `key-${i}`)),
          )
          await Bun.sleep(50)
        }
      })()
      await b.close()
      if (other !== bus) await other.close()
      await publishing
      await eventually(() => a.assignedCount() === 4, 45_000, 'the remaining member to own all')
      await eventually(async () => (await effects(topic)).size === 160, 30_000, 'all 160 effects')
      expect([...(await effects(topic)).values()].every((n) => n === 1)).toBe(true)
    })
  })
}
