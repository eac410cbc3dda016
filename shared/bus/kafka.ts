import {
  Admin,
  Consumer,
  type Message,
  ProduceAcks,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka'
import { BrokerUnavailableError, RecordRejectedError } from '../errors.ts'
import { retentionMs, type TopicSpec } from '../events/topics.ts'
import { log } from '../observability/log.ts'
import { busMetrics } from '../observability/metrics.ts'
import { deadLetter, deliver, sleep } from './delivery.ts'
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

export interface KafkaBusOptions {
  brokers: string[]
  clientId: string
  replicationFactor: number
  sessionTimeoutMs: number
  maxAttempts: number
  retryBaseMs: number
  compression?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'
  /** How long one request may wait for the broker before it fails. */
  requestTimeoutMs?: number
}

type StringMessage = Message<string, string, string, string>

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
      serializers: stringSerializers,
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

  async publish(records: BusRecord[]): Promise<void> {
    if (records.length === 0) return
    try {
      await this.#producer.send({
        messages: records.map((r) => ({
          topic: r.topic,
          key: r.key ?? undefined,
          value: r.value,
          headers: r.headers,
          timestamp: r.timestamp === undefined ? undefined : BigInt(r.timestamp),
        })),
      })
      busMetrics.produced.inc(records.length)
    } catch (error) {
      const refused = permanentRejection(error)
      if (refused)
        throw new RecordRejectedError(`The broker refused the record(s): ${refused}`, error)
      throw new BrokerUnavailableError(`Publishing ${records.length} record(s) failed`, error)
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
    const sub = new KafkaSubscription(makeConsumer, options, this, {
      maxAttempts: options.maxAttempts ?? this.#opts.maxAttempts,
      retryBaseMs: options.retryBaseMs ?? this.#opts.retryBaseMs,
    })
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
      const offset = (position as { offset: bigint }).offset
      offsets = range(partitions).map((partition) => ({ partition, offset }))
    } else {
      const listed = await this.#listOffsets(topic, partitions, timestamp)
      // A timestamp after the last record lists offset -1: start from the end.
      const ends = timestamp >= 0n ? await this.#listOffsets(topic, partitions, -1n) : listed
      offsets = listed.map((p, i) => ({
        partition: p.partition,
        offset: p.offset < 0n ? (ends[i]?.offset ?? 0n) : p.offset,
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

  async lag(group: string, topics: string[]): Promise<PartitionLag[]> {
    const [committed] = await this.#admin.listConsumerGroupOffsets({ groups: [group] })
    const byPartition = new Map<string, bigint>()
    for (const t of committed?.topics ?? []) {
      for (const p of t.partitions) {
        if (p.committedOffset >= 0n)
          byPartition.set(`${t.name}:${p.partitionIndex}`, p.committedOffset)
      }
    }
    // Only topics the group has committed on: describing every topic per group is costly on a scrape.
    const consumed = new Set((committed?.topics ?? []).map((t) => t.name))
    const described = await this.describeTopics(topics.filter((t) => consumed.has(t)))
    return lagOf(described, (topic, partition) => byPartition.get(`${topic}:${partition}`) ?? null)
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

  /** Publishes a dead letter, retrying until it lands or the subscription is torn down. */
  async publishDeadLetter(record: BusRecord, signal: AbortSignal): Promise<boolean> {
    let attempt = 0
    while (!signal.aborted) {
      try {
        await this.publish([record])
        busMetrics.deadLettered.inc({ topic: record.headers.dlq_source_topic ?? '' })
        return true
      } catch (error) {
        attempt++
        log.error(
          { err: error, topic: record.topic },
          'dead letter could not be published; retrying',
        )
        await sleep(Math.min(5000, 100 * 2 ** attempt), signal)
      }
    }
    return false
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#subscriptions].map((s) => s.close()))
    await Promise.allSettled([this.#producer.close(), this.#admin.close()])
  }
}

type StringConsumer = Consumer<string, string, string, string>

class KafkaSubscription implements Subscription {
  onClosed: () => void = () => {}
  readonly #makeConsumer: () => StringConsumer
  #consumer: StringConsumer
  readonly #options: SubscribeOptions
  readonly #bus: KafkaBus
  readonly #policy: { maxAttempts: number; retryBaseMs: number }
  readonly #stop = new AbortController()
  #loop: Promise<void> = Promise.resolve()
  #lastCommit: Promise<void> = Promise.resolve()
  #joined = Promise.withResolvers<void>()
  #closing: Promise<void> | null = null
  #crashed = false
  #inHand: Promise<void> = Promise.resolve()
  /** Per partition, the offset after the last record this member finished. */
  #next = new Map<string, bigint>()

  constructor(
    makeConsumer: () => StringConsumer,
    options: SubscribeOptions,
    bus: KafkaBus,
    policy: { maxAttempts: number; retryBaseMs: number },
  ) {
    this.#makeConsumer = makeConsumer
    this.#consumer = makeConsumer()
    this.#options = options
    this.#bus = bus
    this.#policy = policy
  }

  /** Joins the group; a failure here is the caller's to see. Later failures reconnect on their own. */
  async start(): Promise<void> {
    const stream = await this.#open()
    this.#loop = this.#run(stream)
  }

  async #open(): Promise<AsyncIterable<StringMessage>> {
    const consumer = this.#consumer
    consumer.on('consumer:group:join', () => this.#joined.resolve())
    const stream = await consumer.consume({
      topics: this.#options.topics,
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
      maxWaitTime: 200,
      // A smaller buffer means fewer records of revoked partitions in flight after a rebalance.
      highWaterMark: 256,
    })
    stream.on('error', (error) =>
      log.warn({ err: error, group: this.#options.group }, 'consumer stream error'),
    )
    return stream
  }

  // The stream can fail or end when the broker goes away for longer than the client retries:
  // start a fresh member from the committed offsets, with backoff, until closed.
  async #run(first: AsyncIterable<StringMessage>): Promise<void> {
    let stream: AsyncIterable<StringMessage> | null = first
    let failures = 0
    while (!this.#stop.signal.aborted) {
      try {
        stream ??= await this.#open()
        for await (const message of stream) {
          if (this.#stop.signal.aborted) return
          failures = 0
          // Published before the handler starts, so a close from anywhere waits for this record.
          const inHand = Promise.withResolvers<void>()
          this.#inHand = inHand.promise
          try {
            await this.#handle(message)
          } finally {
            inHand.resolve()
          }
        }
        if (this.#stop.signal.aborted) return
        throw new Error('the consumer stream ended')
      } catch (error) {
        if (this.#stop.signal.aborted) return
        failures++
        log.warn({ err: error, group: this.#options.group, failures }, 'consumer failed; rejoining')
        await this.#consumer.close(true).catch(() => {})
        await sleep(Math.min(5000, 200 * 2 ** failures), this.#stop.signal)
        if (this.#stop.signal.aborted) return
        this.#consumer = this.#makeConsumer()
        this.#next.clear()
        stream = null
      }
    }
  }

  // After a rebalance the client may still hand over buffered records of partitions this member
  // no longer owns, and it rewinds retained partitions to their committed offsets: skip both, so
  // one partition is handled by one member, once per member.
  #stale(message: StringMessage): boolean {
    const owned = this.#consumer.assignments
    if (
      owned &&
      !owned.some((a) => a.topic === message.topic && a.partitions.includes(message.partition))
    ) {
      return true
    }
    const next = this.#next.get(`${message.topic}:${message.partition}`)
    return next !== undefined && message.offset < next
  }

  async #handle(message: StringMessage): Promise<void> {
    if (this.#stale(message)) return
    const record: ConsumedRecord = {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      key: message.key ?? null,
      value: message.value ?? '',
      headers: Object.fromEntries(message.headers),
      timestamp: Number(message.timestamp),
    }
    const started = performance.now()
    const outcome = await deliver(record, this.#options.handler, {
      ...this.#policy,
      signal: this.#stop.signal,
    })
    busMetrics.handleSeconds.observe(
      { group: this.#options.group },
      (performance.now() - started) / 1000,
    )
    if (this.#crashed) return
    if (outcome.ok) {
      busMetrics.consumed.inc({ topic: record.topic, group: this.#options.group })
    } else {
      // Closing cut the retries short: leave the record to the next owner instead of dead-lettering it.
      if (this.#stop.signal.aborted) return
      busMetrics.failed.inc({ topic: record.topic, group: this.#options.group })
      log.warn(
        {
          err: outcome.error,
          topic: record.topic,
          partition: record.partition,
          offset: String(record.offset),
        },
        'record dead-lettered',
      )
      const letter = deadLetter(record, this.#options.group, outcome.error, outcome.attempts)
      if (!(await this.#bus.publishDeadLetter(letter, this.#stop.signal))) return
    }
    this.#next.set(`${record.topic}:${record.partition}`, record.offset + 1n)
    // Commits coalesce inside the client; the offset is committed only after the handler's effects.
    this.#lastCommit = Promise.resolve(message.commit()).catch((error) =>
      log.warn(
        { err: error, group: this.#options.group },
        'offset commit failed; the record may be redelivered',
      ),
    )
  }

  assignments(): TopicPartition[] {
    return (this.#consumer.assignments ?? []).flatMap((a) =>
      a.partitions.map((partition) => ({ topic: a.topic, partition })),
    )
  }

  ready(): Promise<void> {
    return this.#joined.promise
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      // Finish and commit the record in hand, then leave the group.
      this.#stop.abort()
      await this.#inHand
      await this.#lastCommit
      await this.#consumer.close(true).catch(() => {})
      await this.#loop
      this.onClosed()
    })()
    return this.#closing
  }

  abort(): Promise<void> {
    // A crash: the record in hand is not committed, so another member receives it again.
    this.#closing ??= (async () => {
      this.#crashed = true
      this.#stop.abort()
      await this.#consumer.close(true).catch(() => {})
      this.onClosed()
    })()
    return this.#closing
  }
}

// Broker answers that no retry can change: the record itself is wrong.
const PERMANENT = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_TIMESTAMP',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
])

/** The permanent protocol error somewhere in a (possibly aggregated) produce failure, if any. */
function permanentRejection(error: unknown, depth = 0): string | null {
  if (!error || typeof error !== 'object' || depth > 5) return null
  const { apiId, errors, cause } = error as { apiId?: string; errors?: unknown[]; cause?: unknown }
  if (apiId && PERMANENT.has(apiId)) return apiId
  for (const inner of [...(Array.isArray(errors) ? errors : []), cause]) {
    const found = permanentRejection(inner, depth + 1)
    if (found) return found
  }
  return null
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
