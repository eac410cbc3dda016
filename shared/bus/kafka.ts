import {
  Admin,
  Consumer,
  ProduceAcks,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka'
import { BrokerUnavailableError, RecordRejectedError } from '../errors.ts'
import { retentionMs, type TopicSpec } from '../events/topics.ts'
import { busMetrics } from '../observability/metrics.ts'
import {
  partitionKey,
  permanentRejection,
  RecordPartitioner,
  writtenPartitions,
} from './kafka-produce.ts'
import { KafkaSubscription } from './kafka-subscription.ts'
import { sleep } from './sleep.ts'
import {
  type BusRecord,
  type EventBus,
  lagOf,
  type PartitionLag,
  type SeekPosition,
  type SubscribeOptions,
  type Subscription,
  type TopicDescription,
} from './types.ts'

export interface KafkaBusOptions {
  brokers: string[]
  clientId: string
  replicationFactor: number
  sessionTimeoutMs: number
  compression?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'
  /** How long one request may wait for the broker before it fails. */
  requestTimeoutMs?: number
}

/**
 * Encodes strings to bytes, keeping the bytes of those that repeat (header names, the spec version,
 * the content type, event types and sources): every record carries seven headers, and encoding
 * each anew was the relay's largest cost after the database. Unique values (ids, times) are only
 * ever seen once, so they never enter the cache; both maps are bounded.
 */
function repeatedStringSerializer(limit = 1024): (data?: string) => Buffer | undefined {
  const cached = new Map<string, Buffer>()
  let seen = new Set<string>()
  return (data) => {
    if (data === undefined) return undefined
    const hit = cached.get(data)
    if (hit) return hit
    const bytes = Buffer.from(data, 'utf8')
    if (seen.has(data) && cached.size < limit) cached.set(data, bytes)
    else if (data.length <= 128) {
      if (seen.size >= limit * 8) seen = new Set()
      seen.add(data)
    }
    return bytes
  }
}

// The broker answers "topic already exists" with this code; creating topics must be idempotent.
const TOPIC_ALREADY_EXISTS = 36

/** The event bus on a Kafka-API broker (Apache Kafka or Redpanda) through @platformatic/kafka. */
export class KafkaBus implements EventBus {
  readonly kind = 'kafka' as const
  readonly description: string
  readonly #opts: KafkaBusOptions
  readonly #admin: Admin
  readonly #producer: Producer<string, string, string, string>
  readonly #subscriptions = new Set<KafkaSubscription>()
  readonly #partitioner = new RecordPartitioner(async (topics) => {
    const meta = await this.#producer.metadata({ topics: [...topics] })
    return new Map([...meta.topics].map(([name, t]) => [name, t.partitionsCount]))
  })

  constructor(opts: KafkaBusOptions) {
    this.#opts = opts
    this.description = `Kafka at ${opts.brokers.join(',')}`
    const base = {
      bootstrapBrokers: opts.brokers,
      timeout: opts.requestTimeoutMs ?? 10_000,
      retries: 3,
      retryDelay: 250,
    }
    this.#admin = new Admin({ ...base, clientId: `${opts.clientId}-admin` })
    this.#producer = new Producer({
      ...base,
      clientId: `${opts.clientId}-producer`,
      serializers: {
        ...stringSerializers,
        headerKey: repeatedStringSerializer(),
        headerValue: repeatedStringSerializer(),
      },
      idempotent: true,
      acks: ProduceAcks.ALL,
      compression: opts.compression ?? 'lz4',
      autocreateTopics: false,
    })
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    const existing = new Set(await this.listTopics())
    const missing = specs.filter((s) => !existing.has(s.name))
    for (const spec of missing) {
      try {
        await this.#admin.createTopics({
          topics: [spec.name],
          partitions: spec.partitions,
          replicas: this.#opts.replicationFactor,
          configs: [{ name: 'retention.ms', value: String(retentionMs(spec)) }],
        })
      } catch (error) {
        if (!isAlreadyExists(error)) throw error
      }
    }
    if (missing.length > 0) await this.#waitForLeaders(missing.map((s) => s.name))
  }

  async #waitForLeaders(topics: string[]): Promise<void> {
    const deadline = Date.now() + 30_000
    for (;;) {
      try {
        const meta = await this.#admin.metadata({ topics, forceUpdate: true })
        const ready = topics.every((t) => {
          return meta.topics.get(t)?.partitions.every((p) => p.leader >= 0) ?? false
        })
        if (ready) return
      } catch (error) {
        if (Date.now() > deadline) throw error
      }
      if (Date.now() > deadline) throw new Error(`Topics have no leader after 30 s: ${topics}`)
      await sleep(100)
    }
  }

  /**
   * Publishes records in order per key. When the broker refuses some for good, the
   * RecordRejectedError names the ones it did not write, so that only those are sent again.
   */
  async publish(records: BusRecord[]): Promise<void> {
    if (records.length === 0) return
    let partitions: number[]
    try {
      partitions = await this.#partitioner.assign(records)
    } catch (error) {
      throw new BrokerUnavailableError(`No partitions known for ${records.length} record(s)`, error)
    }
    try {
      await this.#producer.send({
        messages: records.map((r, i) => ({
          topic: r.topic,
          key: r.key ?? undefined,
          value: r.value,
          headers: r.headers,
          timestamp: r.timestamp === undefined ? undefined : BigInt(r.timestamp),
          partition: partitions[i],
        })),
      })
      busMetrics.produced.inc(records.length)
    } catch (error) {
      const refused = permanentRejection(error)
      if (!refused) {
        this.#partitioner.forget(records.map((r) => r.topic))
        throw new BrokerUnavailableError(`Publishing ${records.length} record(s) failed`, error)
      }
      const written = writtenPartitions(error)
      const unwritten = records.flatMap((r, i) =>
        written.has(partitionKey(r.topic, partitions[i] as number)) ? [] : [i],
      )
      busMetrics.produced.inc(records.length - unwritten.length)
      throw new RecordRejectedError(
        `The broker refused ${unwritten.length} of ${records.length} record(s): ${refused}`,
        error,
        unwritten,
      )
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const makeConsumer = () =>
      new Consumer({
        groupId: options.group,
        clientId: `${this.#opts.clientId}-${options.group}`,
        bootstrapBrokers: this.#opts.brokers,
        deserializers: stringDeserializers,
        sessionTimeout: this.#opts.sessionTimeoutMs,
        rebalanceTimeout: this.#opts.sessionTimeoutMs * 2,
        heartbeatInterval: Math.max(200, Math.floor(this.#opts.sessionTimeoutMs / 6)),
        timeout: this.#opts.requestTimeoutMs ?? 10_000,
      })
    const sub = new KafkaSubscription(makeConsumer, options)
    this.#subscriptions.add(sub)
    sub.onClosed = () => this.#subscriptions.delete(sub)
    try {
      await sub.start()
    } catch (error) {
      await sub.abort()
      throw error
    }
    return sub
  }

  async seek(group: string, topic: string, position: SeekPosition): Promise<void> {
    const partitions = await this.#partitionCount(topic)
    const timestamp =
      position === 'earliest'
        ? -2n
        : position === 'latest'
          ? -1n
          : 'timestamp' in position
            ? BigInt(position.timestamp)
            : undefined
    let offsets: { partition: number; offset: bigint }[]
    if (typeof position === 'object' && 'last' in position) {
      const [description] = await this.describeTopics([topic])
      offsets = (description?.partitions ?? []).map((p) => ({
        partition: p.partition,
        offset: maxBig(p.start, p.end - BigInt(position.last)),
      }))
    } else if (timestamp === undefined) {
      // Kafka resets a committed offset past a partition's end to the earliest record (a replay of
      // everything): each partition is moved to the offset, or to its end when it has fewer.
      const offset = (position as { offset: bigint }).offset
      const [description] = await this.describeTopics([topic])
      offsets = (description?.partitions ?? []).map((p) => ({
        partition: p.partition,
        offset: offset > p.end ? p.end : maxBig(p.start, offset),
      }))
    } else {
      // A timestamp after the last record lists offset -1: start from the end as it was before the
      // lookup. Read after it, the end would skip whatever was published in between.
      const ends = timestamp >= 0n ? await this.#listOffsets(topic, partitions, -1n) : null
      const listed = await this.#listOffsets(topic, partitions, timestamp)
      offsets = listed.map((p, i) => ({
        partition: p.partition,
        offset: p.offset < 0n ? (ends?.[i]?.offset ?? 0n) : p.offset,
      }))
    }
    await this.#admin.alterConsumerGroupOffsets({
      groupId: group,
      topics: [{ name: topic, partitionOffsets: offsets }],
    })
  }

  async #partitionCount(topic: string): Promise<number> {
    const meta = await this.#admin.metadata({ topics: [topic], forceUpdate: true })
    const count = meta.topics.get(topic)?.partitionsCount
    if (!count) throw new Error(`Unknown topic ${topic}`)
    return count
  }

  async #listOffsets(topic: string, partitions: number, timestamp: bigint) {
    const [listed] = await this.#admin.listOffsets({
      topics: [
        {
          name: topic,
          partitions: range(partitions).map((partitionIndex) => ({ partitionIndex, timestamp })),
        },
      ],
    })
    return (listed?.partitions ?? [])
      .map((p) => ({ partition: p.partitionIndex, offset: p.offset }))
      .sort((a, b) => a.partition - b.partition)
  }

  async lag(
    group: string,
    topics: string[],
    opts: { committedOnly?: boolean } = {},
  ): Promise<PartitionLag[]> {
    const [committed] = await this.#admin.listConsumerGroupOffsets({ groups: [group] })
    const byPartition = new Map<string, bigint>()
    for (const t of committed?.topics ?? []) {
      for (const p of t.partitions) {
        if (p.committedOffset >= 0n)
          byPartition.set(`${t.name}:${p.partitionIndex}`, p.committedOffset)
      }
    }
    const consumed = new Set((committed?.topics ?? []).map((t) => t.name))
    const described = await this.describeTopics(
      opts.committedOnly ? topics.filter((t) => consumed.has(t)) : topics,
    )
    return lagOf(described, (topic, partition) => byPartition.get(`${topic}:${partition}`) ?? null)
  }

  async groupMembers(group: string): Promise<number> {
    const groups = await this.#admin.describeGroups({ groups: [group] })
    return groups.get(group)?.members.size ?? 0
  }

  async describeTopics(names: string[]): Promise<TopicDescription[]> {
    const out: TopicDescription[] = []
    for (const name of names) {
      const partitions = await this.#partitionCount(name)
      const [starts, ends] = await Promise.all([
        this.#listOffsets(name, partitions, -2n),
        this.#listOffsets(name, partitions, -1n),
      ])
      out.push({
        name,
        partitions: ends.map((e, i) => ({
          partition: e.partition,
          start: starts[i]?.offset ?? 0n,
          end: e.offset,
        })),
      })
    }
    return out
  }

  listTopics(): Promise<string[]> {
    return this.#admin.listTopics()
  }

  async listGroups(): Promise<string[]> {
    return [...(await this.#admin.listGroups()).keys()]
  }

  async deleteGroup(group: string): Promise<void> {
    await this.#admin.deleteGroups({ groups: [group] })
  }

  async ping(): Promise<void> {
    try {
      await this.#admin.metadata({ topics: [], forceUpdate: true })
    } catch (error) {
      throw new BrokerUnavailableError('The Kafka broker does not answer', error)
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#subscriptions].map((s) => s.close()))
    await Promise.allSettled([this.#producer.close(), this.#admin.close()])
  }
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i)
}

function isAlreadyExists(error: unknown): boolean {
  const text = JSON.stringify(error, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) ?? ''
  return (
    text.includes(`"errorCode":${TOPIC_ALREADY_EXISTS}`) || String(error).includes('already exists')
  )
}
