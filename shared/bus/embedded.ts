import { and, asc, eq, gte, sql } from 'drizzle-orm'
import type { Database } from '../db/client.ts'
import { retentionMs, type TopicSpec } from '../events/topics.ts'
import { log } from '../observability/log.ts'
import { busMetrics } from '../observability/metrics.ts'
import { EmbeddedSubscription } from './embedded-subscription.ts'
import { logGroupOffsets, logRecords, logTopics } from './schema.ts'
import {
  type BusRecord,
  type ConsumedRecord,
  type EventBus,
  lagOf,
  type PartitionLag,
  type SeekPosition,
  type SubscribeOptions,
  type Subscription,
  type TopicDescription,
  type TopicPartition,
} from './types.ts'

export interface EmbeddedBusOptions {
  /** How often an idle member looks for new records when nothing in-process woke it. */
  pollMs?: number
}

const FETCH_LIMIT = 200

/** Kafka's default partitioner is murmur2; any stable hash keeps one key on one partition. */
export function partitionForKey(key: string | null, partitions: number, fallback: number): number {
  if (key === null) return fallback % partitions
  return Number(Bun.hash.murmur32v3(key) % partitions)
}

/**
 * The dev-only event bus: the same contract as Kafka, kept in libSQL tables for one process.
 * Group membership lives in memory (one process); records and committed offsets are durable.
 */
export class EmbeddedBus implements EventBus {
  readonly kind = 'embedded' as const
  readonly description: string
  readonly #database: Database
  readonly #opts: Required<EmbeddedBusOptions>
  readonly #groups = new Map<string, Set<EmbeddedSubscription>>()
  /** Each group's rebalances run one after another, so a plan is never applied out of date. */
  readonly #rebalancing = new Map<string, Promise<void>>()
  readonly #partitions = new Map<string, number>()
  readonly #listeners = new Set<() => void>()
  #roundRobin = 0

  #retention: ReturnType<typeof setInterval>

  constructor(database: Database, opts: EmbeddedBusOptions = {}) {
    this.#database = database
    this.#opts = { pollMs: 250, ...opts }
    this.description = `embedded event log in ${database.url}`
    this.#retention = setInterval(() => {
      this.enforceRetention().catch((error) =>
        log.warn({ err: error }, 'embedded log retention failed'),
      )
    }, 60_000)
    this.#retention.unref()
  }

  get db() {
    return this.#database.db
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    if (specs.length === 0) return
    await this.db
      .insert(logTopics)
      .values(
        specs.map((s) => ({ name: s.name, partitions: s.partitions, retentionMs: retentionMs(s) })),
      )
      .onConflictDoNothing()
  }

  async partitionCount(topic: string): Promise<number> {
    const known = this.#partitions.get(topic)
    if (known) return known
    const [row] = await this.db.select().from(logTopics).where(eq(logTopics.name, topic))
    if (!row) throw new Error(`Unknown topic ${topic}: create it first`)
    this.#partitions.set(topic, row.partitions)
    return row.partitions
  }

  async publish(records: BusRecord[]): Promise<void> {
    if (records.length === 0) return
    const counts = new Map<string, number>()
    for (const topic of new Set(records.map((r) => r.topic)))
      counts.set(topic, await this.partitionCount(topic))
    const now = Date.now()
    // Two statements per record inside one write transaction: take the partition's next offset,
    // then move it on. Offsets come from log_partitions, so retention never makes one reappear.
    const statements = records.flatMap((r) => {
      const partition = partitionForKey(r.key, counts.get(r.topic) as number, this.#roundRobin++)
      return [
        this.db.run(sql`
          insert into log_records (topic, partition, "offset", key, value, headers, timestamp)
          values (${r.topic}, ${partition},
                  coalesce((select next_offset from log_partitions where topic = ${r.topic} and partition = ${partition}), 0),
                  ${r.key}, ${r.value}, ${JSON.stringify(r.headers)}, ${r.timestamp ?? now})`),
        this.db.run(sql`
          insert into log_partitions (topic, partition, next_offset) values (${r.topic}, ${partition}, 1)
          on conflict (topic, partition) do update set next_offset = next_offset + 1`),
      ]
    })
    const [first, ...rest] = statements
    if (first) await this.db.batch([first, ...rest])
    busMetrics.produced.inc(records.length)
    for (const wake of this.#listeners) wake()
  }

  onPublish(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    for (const topic of options.topics) await this.partitionCount(topic)
    const sub = new EmbeddedSubscription(this, options, this.#opts.pollMs)
    const members = this.#groups.get(options.group) ?? new Set()
    this.#groups.set(options.group, members)
    members.add(sub)
    await this.#rebalance(options.group)
    sub.start()
    return sub
  }

  /** Leaves a group and hands the member's partitions to the others. */
  async leave(sub: EmbeddedSubscription): Promise<void> {
    const members = this.#groups.get(sub.group)
    members?.delete(sub)
    if (members && members.size === 0) this.#groups.delete(sub.group)
    await this.#rebalance(sub.group)
  }

  // Range-style assignment: each topic's partitions are dealt round-robin over the members in join order.
  #rebalance(group: string): Promise<void> {
    const next = (this.#rebalancing.get(group) ?? Promise.resolve())
      .catch(() => {})
      .then(() => this.#rebalanceNow(group))
    this.#rebalancing.set(group, next)
    return next
  }

  async #rebalanceNow(group: string): Promise<void> {
    const members = [...(this.#groups.get(group) ?? [])]
    const plan = new Map<EmbeddedSubscription, TopicPartition[]>(members.map((m) => [m, []]))
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort()
    for (const topic of topics) {
      const interested = members.filter((m) => m.topics.includes(topic))
      const partitions = await this.partitionCount(topic)
      for (let p = 0; p < partitions; p++) {
        const owner = interested[p % interested.length]
        if (owner) plan.get(owner)?.push({ topic, partition: p })
      }
    }
    // Two phases, like a cooperative rebalance: every member first gives up what it loses and
    // finishes the record in hand; only then does anyone start on a partition it gains.
    await Promise.all(members.map((m) => m.revokeAllBut(plan.get(m) ?? [])))
    for (const m of members) m.assign(plan.get(m) ?? [])
  }

  async fetch(group: string, tp: TopicPartition): Promise<ConsumedRecord[]> {
    const next = await this.committed(group, tp)
    const rows = await this.db
      .select()
      .from(logRecords)
      .where(
        and(
          eq(logRecords.topic, tp.topic),
          eq(logRecords.partition, tp.partition),
          gte(logRecords.offset, Number(next ?? 0n)),
        ),
      )
      .orderBy(asc(logRecords.offset))
      .limit(FETCH_LIMIT)
    return rows.map((r) => ({
      topic: r.topic,
      partition: r.partition,
      offset: BigInt(r.offset),
      key: r.key,
      value: r.value,
      headers: JSON.parse(r.headers) as Record<string, string>,
      timestamp: r.timestamp,
    }))
  }

  async committed(group: string, tp: TopicPartition): Promise<bigint | null> {
    const [row] = await this.db
      .select({ next: logGroupOffsets.nextOffset })
      .from(logGroupOffsets)
      .where(
        and(
          eq(logGroupOffsets.groupId, group),
          eq(logGroupOffsets.topic, tp.topic),
          eq(logGroupOffsets.partition, tp.partition),
        ),
      )
    return row ? BigInt(row.next) : null
  }

  /** Moves a group's offset forward only: a slow former owner can never rewind the new one. */
  async commit(group: string, tp: TopicPartition, nextOffset: bigint): Promise<void> {
    await this.#setOffset(
      group,
      tp,
      nextOffset,
      sql`max(${logGroupOffsets.nextOffset}, excluded.next_offset)`,
    )
  }

  async #setOffset(
    group: string,
    tp: TopicPartition,
    next: bigint,
    onConflict?: ReturnType<typeof sql>,
  ) {
    await this.db
      .insert(logGroupOffsets)
      .values({
        groupId: group,
        topic: tp.topic,
        partition: tp.partition,
        nextOffset: Number(next),
      })
      .onConflictDoUpdate({
        target: [logGroupOffsets.groupId, logGroupOffsets.topic, logGroupOffsets.partition],
        set: { nextOffset: onConflict ?? Number(next) },
      })
  }

  async seek(group: string, topic: string, position: SeekPosition): Promise<void> {
    if (this.#groups.get(group)?.size)
      throw new Error(`Group ${group} has running members; stop them first`)
    const partitions = await this.partitionCount(topic)
    for (let partition = 0; partition < partitions; partition++) {
      const tp = { topic, partition }
      const bounds = await this.#bounds(tp)
      let next: bigint
      if (position === 'earliest') next = bounds.start
      else if (position === 'latest') next = bounds.end
      else if ('offset' in position) {
        // A partition with fewer records starts at its end, one that no longer holds it at its start.
        next = position.offset
        if (next > bounds.end) next = bounds.end
        if (next < bounds.start) next = bounds.start
      } else if ('last' in position)
        next =
          bounds.end - BigInt(position.last) > bounds.start
            ? bounds.end - BigInt(position.last)
            : bounds.start
      else {
        const [row] = await this.db
          .select({ offset: logRecords.offset })
          .from(logRecords)
          .where(
            and(
              eq(logRecords.topic, topic),
              eq(logRecords.partition, partition),
              gte(logRecords.timestamp, position.timestamp),
            ),
          )
          .orderBy(asc(logRecords.offset))
          .limit(1)
        next = row ? BigInt(row.offset) : bounds.end
      }
      // Seeking may move backwards (a replay): set, not commit.
      await this.#setOffset(group, tp, next)
    }
  }

  async #bounds(tp: TopicPartition): Promise<{ start: bigint; end: bigint }> {
    const [row] = await this.db
      .select({
        end: sql<
          number | null
        >`(select next_offset from log_partitions where topic = ${tp.topic} and partition = ${tp.partition})`,
        start: sql<number | null>`min("offset")`,
      })
      .from(logRecords)
      .where(and(eq(logRecords.topic, tp.topic), eq(logRecords.partition, tp.partition)))
    const end = BigInt(row?.end ?? 0)
    return { start: row?.start === null || row?.start === undefined ? end : BigInt(row.start), end }
  }

  async lag(
    group: string,
    topics: string[],
    opts: { committedOnly?: boolean } = {},
  ): Promise<PartitionLag[]> {
    const offsets = await this.db
      .select()
      .from(logGroupOffsets)
      .where(eq(logGroupOffsets.groupId, group))
    const consumed = new Set(offsets.map((o) => o.topic))
    const described = await this.describeTopics(
      opts.committedOnly ? topics.filter((t) => consumed.has(t)) : topics,
    )
    const byPartition = new Map(
      offsets.map((o) => [`${o.topic}:${o.partition}`, BigInt(o.nextOffset)]),
    )
    return lagOf(described, (topic, partition) => byPartition.get(`${topic}:${partition}`) ?? null)
  }

  async groupMembers(group: string): Promise<number> {
    return this.#groups.get(group)?.size ?? 0
  }

  async describeTopics(names: string[]): Promise<TopicDescription[]> {
    const out: TopicDescription[] = []
    for (const name of names) {
      const partitions = await this.partitionCount(name)
      const list = []
      for (let partition = 0; partition < partitions; partition++) {
        list.push({ partition, ...(await this.#bounds({ topic: name, partition })) })
      }
      out.push({ name, partitions: list })
    }
    return out
  }

  async listTopics(): Promise<string[]> {
    const rows = await this.db.select({ name: logTopics.name }).from(logTopics)
    return rows.map((r) => r.name)
  }

  async listGroups(): Promise<string[]> {
    const rows = await this.db
      .selectDistinct({ group: logGroupOffsets.groupId })
      .from(logGroupOffsets)
    return rows.map((r) => r.group)
  }

  async deleteGroup(group: string): Promise<void> {
    if (this.#groups.get(group)?.size)
      throw new Error(`Group ${group} has running members; stop them first`)
    await this.db.delete(logGroupOffsets).where(eq(logGroupOffsets.groupId, group))
  }

  async ping(): Promise<void> {
    await this.db.select({ one: sql`1` }).from(logTopics).limit(1)
  }

  /** Deletes records older than their topic's retention. */
  async enforceRetention(): Promise<void> {
    const topics = await this.db.select().from(logTopics)
    for (const t of topics) {
      await this.db.run(
        sql`delete from log_records where topic = ${t.name} and timestamp < ${Date.now() - t.retentionMs}`,
      )
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#retention)
    const all = [...this.#groups.values()].flatMap((s) => [...s])
    await Promise.allSettled(all.map((s) => s.close()))
  }
}
