// The bus contract: one suite, run against the Kafka bus and the embedded log.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { applyOnce } from '../../../shared/bus/outbox.ts'
import type {
  BusRecord,
  ConsumedRecord,
  EventBus,
  Subscription,
} from '../../../shared/bus/types.ts'
import type { Database } from '../../../shared/db/client.ts'
import { dlqTopic } from '../../../shared/events/topics.ts'
import { eventually, tempDatabase, unique } from '../../helpers/broker.ts'

export interface ContractHarness {
  /** A bus for one group member; called more than once for the multi-member tests. */
  bus(database: Database): EventBus
  /** Closes buses made by `bus`. */
  cleanup?(): Promise<void>
}

function records(
  topic: string,
  n: number,
  key: (i: number) => string,
  extra: Partial<BusRecord> = {},
): BusRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    topic,
    key: key(i),
    value: JSON.stringify({ i }),
    headers: { ce_id: `${topic}-${i}` },
    ...extra,
  }))
}

const index = (r: ConsumedRecord) => (JSON.parse(r.value) as { i: number }).i

export function busContract(name: string, harness: ContractHarness): void {
  describe(`bus contract: ${name}`, () => {
    let database: Awaited<ReturnType<typeof tempDatabase>>
    let bus: EventBus
    const open: Subscription[] = []

    async function newTopic(partitions: number): Promise<string> {
      const topic = unique('contract')
      await bus.ensureTopics([
        { name: topic, partitions, retentionDays: 1, purpose: 'test', consumed: true },
        {
          name: dlqTopic(topic),
          partitions: 1,
          retentionDays: 1,
          purpose: 'test',
          consumed: false,
        },
      ])
      return topic
    }

    async function subscribe(b: EventBus, opts: Parameters<EventBus['subscribe']>[0]) {
      const sub = await b.subscribe(opts)
      open.push(sub)
      return sub
    }

    beforeAll(async () => {
      database = await tempDatabase()
      bus = harness.bus(database)
    })

    afterAll(async () => {
      await Promise.allSettled(open.map((s) => s.close()))
      await bus.close()
      await harness.cleanup?.()
      database.close()
    })

    test('keeps the order of records with one key', async () => {
      const topic = await newTopic(3)
      await bus.publish(records(topic, 120, (i) => `user-${i % 6}`))
      const seen: ConsumedRecord[] = []
      await subscribe(bus, {
        group: unique('order'),
        topics: [topic],
        handler: async (r) => void seen.push(r),
      })
      await eventually(() => seen.length >= 120, 30_000, '120 records')
      for (let k = 0; k < 6; k++) {
        const forKey = seen.filter((r) => r.key === `user-${k}`).map(index)
        expect(forKey).toEqual([...forKey].sort((a, b) => a - b))
        expect(forKey).toHaveLength(20)
        // One key, one partition.
        expect(
          new Set(seen.filter((r) => r.key === `user-${k}`).map((r) => r.partition)).size,
        ).toBe(1)
      }
    })

    test('redelivers the record in hand after a crash before commit, and idempotent handlers apply it once', async () => {
      const topic = await newTopic(1)
      const group = unique('crash')
      await database.client.execute(
        'create table if not exists contract_effects (event_id text not null)',
      )
      await bus.publish(records(topic, 10, () => 'k'))
      const effect = (r: ConsumedRecord) =>
        applyOnce(database.db, group, r.headers.ce_id as string, async (tx) => {
          await tx.run(sql`insert into contract_effects (event_id) values (${r.headers.ce_id})`)
        })

      const firstRun: number[] = []
      let crashed: Promise<void> | null = null
      const first = await subscribe(bus, {
        group,
        topics: [topic],
        handler: async (r) => {
          await effect(r)
          firstRun.push(index(r))
          if (index(r) === 4) {
            // The process dies right after the effect is committed, before the offset is.
            crashed = first.abort()
            await Bun.sleep(50)
          }
        },
      })
      await eventually(() => crashed !== null, 30_000, 'the crash')
      await crashed
      expect(firstRun).toContain(4)
      expect(firstRun).not.toContain(9)

      const secondRun: number[] = []
      await subscribe(bus, {
        group,
        topics: [topic],
        handler: async (r) => {
          await effect(r)
          secondRun.push(index(r))
        },
      })
      await eventually(() => secondRun.includes(9), 30_000, 'the rest after the crash')
      expect(secondRun).toContain(4)
      expect(secondRun).toEqual([...secondRun].sort((a, b) => a - b))

      const rows = await database.client.execute({
        sql: 'select event_id, count(*) as n from contract_effects where event_id like ? group by event_id',
        args: [`${topic}-%`],
      })
      expect(rows.rows).toHaveLength(10)
      expect(rows.rows.every((r) => Number(r.n) === 1)).toBe(true)
    })

    test('close finishes and commits the record in hand, so the next member starts after it', async () => {
      const topic = await newTopic(1)
      const group = unique('close')
      await bus.publish(records(topic, 4, () => 'k'))
      const firstRun: number[] = []
      let closing: Promise<void> | null = null
      const first = await subscribe(bus, {
        group,
        topics: [topic],
        handler: async (r) => {
          if (index(r) === 1) {
            closing = first.close()
            await Bun.sleep(100)
          }
          firstRun.push(index(r))
        },
      })
      await eventually(() => closing !== null, 30_000, 'the close')
      await closing
      expect(firstRun).toEqual([0, 1])
      const [lag] = await bus.lag(group, [topic])
      expect(lag?.committed).toBe(2n)
      const secondRun: number[] = []
      await subscribe(bus, {
        group,
        topics: [topic],
        handler: async (r) => void secondRun.push(index(r)),
      })
      await eventually(() => secondRun.length >= 2, 30_000, 'the rest')
      expect(secondRun).toEqual([2, 3])
    })

    test('dead-letters a record after N failed attempts with the error and its origin in headers', async () => {
      const topic = await newTopic(1)
      const group = unique('dlq')
      const batch = records(topic, 3, () => 'k')
      ;(batch[1] as BusRecord).value = JSON.stringify({ i: 1, poison: true })
      await bus.publish(batch)
      let attempts = 0
      const handled: number[] = []
      await subscribe(bus, {
        group,
        topics: [topic],
        maxAttempts: 3,
        retryBaseMs: 1,
        handler: async (r) => {
          if (r.value.includes('poison')) {
            attempts++
            throw new Error('cannot digest this record')
          }
          handled.push(index(r))
        },
      })
      await eventually(() => handled.includes(2), 30_000, 'the record after the poison one')
      expect(attempts).toBe(3)
      expect(handled).toEqual([0, 2])
      const [letter] = await readDlq(bus, topic)
      expect(letter?.value).toContain('poison')
      expect(letter?.key).toBe('k')
      expect(letter?.headers).toMatchObject({
        ce_id: `${topic}-1`,
        dlq_error: 'cannot digest this record',
        dlq_source_topic: topic,
        dlq_source_partition: '0',
        dlq_source_offset: '1',
        dlq_group: group,
        dlq_attempts: '3',
      })
    })

    test('replays a group from a timestamp', async () => {
      const topic = await newTopic(2)
      const group = unique('replay')
      const t0 = Date.now() - 60_000
      const old = records(topic, 6, (i) => `k${i}`, { timestamp: t0 })
      const fresh = records(topic, 6, (i) => `k${i}`).map((r, i) => ({
        ...r,
        value: JSON.stringify({ i: 100 + i }),
        timestamp: t0 + 30_000,
      }))
      await bus.publish(old)
      await bus.publish(fresh)
      const all: number[] = []
      const sub = await subscribe(bus, {
        group,
        topics: [topic],
        handler: async (r) => void all.push(index(r)),
      })
      await eventually(() => all.length >= 12, 30_000, 'everything once')
      await sub.close()

      await bus.seek(group, topic, { timestamp: t0 + 10_000 })
      const replayed: number[] = []
      await subscribe(bus, {
        group,
        topics: [topic],
        handler: async (r) => void replayed.push(index(r)),
      })
      await eventually(() => replayed.length >= 6, 30_000, 'the replay')
      await Bun.sleep(300)
      expect(replayed.sort((a, b) => a - b)).toEqual([100, 101, 102, 103, 104, 105])
    })

    test('splits partitions between two members of a group and rebalances when one leaves', async () => {
      const topic = await newTopic(4)
      const group = unique('members')
      const other = harness.bus(database)
      const seenBy = { a: [] as number[], b: [] as number[] }
      const a = await subscribe(bus, {
        group,
        topics: [topic],
        handler: async (r) => void seenBy.a.push(index(r)),
      })
      const b = await subscribe(other, {
        group,
        topics: [topic],
        handler: async (r) => void seenBy.b.push(index(r)),
      })
      await eventually(
        () =>
          a.assignments().length > 0 &&
          b.assignments().length > 0 &&
          a.assignments().length + b.assignments().length === 4,
        45_000,
        'both members to own partitions',
      )
      const ownedByA = a.assignments().map((p) => p.partition)
      const ownedByB = b.assignments().map((p) => p.partition)
      expect([...ownedByA, ...ownedByB].sort()).toEqual([0, 1, 2, 3])

      await bus.publish(records(topic, 80, (i) => `key-${i}`))
      await eventually(() => seenBy.a.length + seenBy.b.length >= 80, 30_000, 'all 80 records')
      expect(seenBy.a.length).toBeGreaterThan(0)
      expect(seenBy.b.length).toBeGreaterThan(0)
      expect(new Set([...seenBy.a, ...seenBy.b]).size).toBe(80)
      expect(seenBy.a.length + seenBy.b.length).toBe(80)

      await b.close()
      // The embedded harness hands out one bus per database: members of a group share a process.
      if (other !== bus) await other.close()
      await eventually(
        () => a.assignments().length === 4,
        45_000,
        'the remaining member to own every partition',
      )
      const more = records(topic, 40, (i) => `key-${i}`).map((r, i) => ({
        ...r,
        value: JSON.stringify({ i: 1000 + i }),
      }))
      await bus.publish(more)
      await eventually(
        () => seenBy.a.filter((i) => i >= 1000).length >= 40,
        30_000,
        'records after the rebalance',
      )
    })
  })
}

async function readDlq(bus: EventBus, topic: string): Promise<ConsumedRecord[]> {
  const group = unique('dlq-reader')
  const got: ConsumedRecord[] = []
  const sub = await bus.subscribe({
    group,
    topics: [dlqTopic(topic)],
    handler: async (r) => void got.push(r),
  })
  try {
    await eventually(() => got.length >= 1, 30_000, 'the dead letter')
    return got
  } finally {
    await sub.close()
  }
}
