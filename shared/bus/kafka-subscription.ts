import type { Consumer, Message } from '@platformatic/kafka'
import { log } from '../observability/log.ts'
import { sleep } from './sleep.ts'
import {
  type ConsumedRecord,
  REDELIVERY_DELAY_MS,
  type RunHandler,
  runHandlerOf,
  type SubscribeOptions,
  type Subscription,
  type TopicPartition,
} from './types.ts'

type StringMessage = Message<string, string, string, string>
export type StringConsumer = Consumer<string, string, string, string>

/** Records buffered per partition before the reader waits for that partition's worker. */
const LANE_LIMIT = 512
/** How long the reader waits for a full lane before treating its partition as stuck. */
const STUCK_AFTER_MS = 1000
/**
 * How long a member waits for its offset commits before it leaves or rejoins: a commit the client
 * queued while the group was rejoining may never settle once the stream is gone.
 */
const COMMIT_WAIT_MS = 5000

/** One partition's queue and worker: partitions move independently of each other. */
class Lane {
  readonly queue: StringMessage[] = []
  /** The highest offset queued, so a client rewind does not queue a record twice. */
  queuedUpTo = -1n
  /** Records were dropped while the partition was stuck: re-read them from the committed offset. */
  overflowed = false
  running = false
  inHand: Promise<void> = Promise.resolve()
  #room: (() => void) | null = null

  /** Up to `max` of the queued records, oldest first. */
  take(max: number): StringMessage[] {
    const run = this.queue.splice(0, max)
    if (this.queue.length <= LANE_LIMIT / 2) this.#room?.()
    return run
  }

  clear(): void {
    this.queue.length = 0
    this.queuedUpTo = -1n
    this.#room?.()
  }

  /** Resolves true once the lane has room, false if it stays full for `ms`. */
  async waitForRoom(ms: number, signal: AbortSignal): Promise<boolean> {
    if (this.queue.length < LANE_LIMIT) return true
    const room = new Promise<void>((resolve) => {
      this.#room = resolve
    })
    await Promise.race([room, sleep(ms, signal)])
    this.#room = null
    return this.queue.length < LANE_LIMIT
  }
}

/**
 * A member of a consumer group on @platformatic/kafka. The client delivers every owned partition in
 * one stream; the member splits it into one lane per partition, so a record whose handler keeps
 * failing holds up its own partition only. A lane that stays full is not buffered further: its
 * later records are dropped and re-read from the committed offset once it moves again.
 */
export class KafkaSubscription implements Subscription {
  onClosed: () => void = () => {}
  readonly #makeConsumer: () => StringConsumer
  #consumer: StringConsumer
  readonly #options: SubscribeOptions
  readonly #handleRun: RunHandler
  readonly #maxRun: number
  readonly #stop = new AbortController()
  #loop: Promise<void> = Promise.resolve()
  #joined = Promise.withResolvers<void>()
  #closing: Promise<void> | null = null
  #crashed = false
  #rewinding = false
  /** Bumped when the member is replaced: lanes of an older generation stop. */
  #generation = 0
  #lanes = new Map<string, Lane>()
  readonly #commits = new Set<Promise<void>>()
  /** Per partition, the offset after the last record this member finished. */
  readonly #next = new Map<string, bigint>()

  constructor(makeConsumer: () => StringConsumer, options: SubscribeOptions) {
    this.#makeConsumer = makeConsumer
    this.#consumer = makeConsumer()
    this.#options = options
    ;({ handleRun: this.#handleRun, maxRun: this.#maxRun } = runHandlerOf(options))
  }

  /** Joins the group; a failure here is the caller's to see. Later failures reconnect on their own. */
  async start(): Promise<void> {
    const stream = await this.#open()
    this.#loop = this.#run(stream)
  }

  async #open(): Promise<AsyncIterable<StringMessage>> {
    const consumer = this.#consumer
    consumer.on('consumer:group:join', () => this.#joined.resolve())
    let opened: { destroy(error?: Error): unknown; destroyed: boolean } | null = null
    // The client emits an error on the consumer itself when it gives up on the group (a member
    // evicted for missed heartbeats whose rejoin fails): unheard, it ends the process. Heard, it ends
    // this member's stream, and the loop rejoins with a fresh one from the committed offsets.
    consumer.on('error', (error: Error) => {
      if (this.#stop.signal.aborted) return
      log.warn({ err: error, group: this.#options.group }, 'consumer error; rejoining')
      if (opened && !opened.destroyed) opened.destroy(error)
    })
    const stream = await consumer.consume({
      topics: this.#options.topics,
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
      maxWaitTime: 200,
      // A smaller buffer means fewer records of revoked partitions in flight after a rebalance.
      highWaterMark: 256,
    })
    opened = stream
    // An error after closing began is the close itself (records in hand aborted), not news.
    stream.on('error', (error) => {
      if (!this.#stop.signal.aborted)
        log.warn({ err: error, group: this.#options.group }, 'consumer stream error')
    })
    return stream
  }

  // The stream fails or ends when the broker is away for longer than the client retries, or when a
  // stuck lane asks to re-read: start a fresh member from the committed offsets until closed.
  async #run(first: AsyncIterable<StringMessage>): Promise<void> {
    let stream: AsyncIterable<StringMessage> | null = first
    let failures = 0
    while (!this.#stop.signal.aborted) {
      try {
        stream ??= await this.#open()
        for await (const message of stream) {
          if (this.#stop.signal.aborted) return
          failures = 0
          await this.#dispatch(message)
        }
        if (this.#stop.signal.aborted) return
        if (!this.#rewinding) throw new Error('the consumer stream ended')
      } catch (error) {
        if (this.#stop.signal.aborted) return
        failures++
        log.warn({ err: error, group: this.#options.group, failures }, 'consumer failed; rejoining')
        await this.#settle()
        await this.#consumer.close(true).catch(() => {})
        this.#next.clear()
        await sleep(Math.min(5000, 200 * 2 ** failures), this.#stop.signal)
      }
      if (this.#stop.signal.aborted) return
      this.#rewinding = false
      this.#consumer = this.#makeConsumer()
      stream = null
    }
  }

  async #dispatch(message: StringMessage): Promise<void> {
    if (this.#rewinding || this.#stale(message)) return
    const key = laneKey(message)
    let lane = this.#lanes.get(key)
    if (!lane) {
      lane = new Lane()
      this.#lanes.set(key, lane)
    }
    if (lane.overflowed || message.offset <= lane.queuedUpTo) return
    if (!(await lane.waitForRoom(STUCK_AFTER_MS, this.#stop.signal))) {
      lane.overflowed = true
      log.warn(
        { group: this.#options.group, topic: message.topic, partition: message.partition },
        'partition is stuck on a record; its later records will be re-read once it moves',
      )
      return
    }
    lane.queue.push(message)
    lane.queuedUpTo = message.offset
    if (!lane.running) void this.#work(lane, this.#generation)
  }

  async #work(lane: Lane, generation: number): Promise<void> {
    lane.running = true
    try {
      for (;;) {
        if (generation !== this.#generation || this.#stop.signal.aborted) return
        const taken = lane.take(this.#maxRun)
        if (taken.length === 0) break
        if (this.#revoked(taken[0] as StringMessage)) {
          // Whatever is queued belongs to the partition's new owner now.
          lane.clear()
          break
        }
        const run = taken.filter((m) => !this.#stale(m))
        if (run.length === 0) continue
        const inHand = Promise.withResolvers<void>()
        lane.inHand = inHand.promise
        try {
          await this.#handle(run)
        } finally {
          inHand.resolve()
        }
      }
    } finally {
      lane.running = false
    }
    if (lane.overflowed && generation === this.#generation) void this.#rewind()
  }

  /** Offers the run of one partition's records until its handler resolves, then commits it. */
  async #handle(run: StringMessage[]): Promise<void> {
    const records = run.map(toRecord)
    const last = run[run.length - 1] as StringMessage
    let done = 0
    for (;;) {
      try {
        done = await this.#handleRun(records)
        break
      } catch (error) {
        // Closing or crashing: leave the run uncommitted for the partition's next owner.
        if (this.#stop.signal.aborted) return
        log.warn(
          {
            err: error,
            group: this.#options.group,
            topic: last.topic,
            offsets: `${run[0]?.offset}..${last.offset}`,
          },
          'handler rejected the records; offering them again',
        )
        await sleep(REDELIVERY_DELAY_MS, this.#stop.signal)
        if (this.#stop.signal.aborted || this.#revoked(last)) return
      }
    }
    const message = run[done - 1]
    if (!message) return
    // A partition revoked meanwhile is its new owner's to commit; it skips what we applied.
    if (this.#crashed || this.#revoked(message)) return
    this.#next.set(laneKey(message), message.offset + 1n)
    // Committing the last record done commits the partition up to it. Commits coalesce inside the
    // client; the offset is committed only after the handler's effects.
    const commit = Promise.resolve(message.commit())
      .catch((error) =>
        log.warn(
          { err: error, group: this.#options.group },
          'offset commit failed; the record may be redelivered',
        ),
      )
      .finally(() => this.#commits.delete(commit))
    this.#commits.add(commit)
  }

  // A stuck lane has moved again: finish what is in hand everywhere, then rejoin from the committed
  // offsets so the records it dropped are read again.
  async #rewind(): Promise<void> {
    if (this.#rewinding || this.#stop.signal.aborted) return
    this.#rewinding = true
    log.info(
      { group: this.#options.group },
      're-reading records dropped while a partition was stuck',
    )
    const consumer = this.#consumer
    await this.#settle()
    await consumer.close(true).catch(() => {})
  }

  /** Stops every lane after its record in hand, and waits for their commits. */
  async #settle(): Promise<void> {
    this.#generation++
    const lanes = [...this.#lanes.values()]
    this.#lanes = new Map()
    await this.#finish(lanes)
  }

  async #finish(lanes: Lane[]): Promise<void> {
    await Promise.all(lanes.map((l) => l.inHand))
    await Promise.race([Promise.all([...this.#commits]), sleep(COMMIT_WAIT_MS)])
  }

  #revoked(message: StringMessage): boolean {
    const owned = this.#consumer.assignments
    return (
      !!owned &&
      !owned.some((a) => a.topic === message.topic && a.partitions.includes(message.partition))
    )
  }

  // After a rebalance the client may still hand over buffered records of partitions this member
  // no longer owns, and it rewinds retained partitions to their committed offsets: skip both, so
  // one partition is handled by one member, once per member.
  #stale(message: StringMessage): boolean {
    if (this.#revoked(message)) return true
    const next = this.#next.get(laneKey(message))
    return next !== undefined && message.offset < next
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
      // Finish and commit the records in hand, then leave the group.
      this.#stop.abort()
      await this.#finish([...this.#lanes.values()])
      await this.#consumer.close(true).catch(() => {})
      await this.#loop
      this.onClosed()
    })()
    return this.#closing
  }

  abort(): Promise<void> {
    // A crash: records in hand are not committed, so another member receives them again.
    this.#closing ??= (async () => {
      this.#crashed = true
      this.#stop.abort()
      await this.#consumer.close(true).catch(() => {})
      this.onClosed()
    })()
    return this.#closing
  }
}

function toRecord(message: StringMessage): ConsumedRecord {
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.key ?? null,
    value: message.value ?? '',
    headers: Object.fromEntries(message.headers),
    timestamp: Number(message.timestamp),
  }
}

function laneKey(message: { topic: string; partition: number }): string {
  return `${message.topic}:${message.partition}`
}
