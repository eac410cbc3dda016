import type { BusRecord, ConsumedRecord } from '../events/record.ts'
import type { TopicSpec } from '../events/topics.ts'

export type { BusRecord, ConsumedRecord } from '../events/record.ts'

/**
 * Handles one record. Resolving commits it; rejecting leaves it uncommitted and the bus offers the
 * same record again after `REDELIVERY_DELAY_MS`. Retries, dead letters and parsing belong to the
 * consumer runner (`shared/consumers`), which resolves once a record is applied or dead-lettered.
 */
export type RecordHandler = (record: ConsumedRecord) => Promise<void>

/**
 * Handles a run of one partition's records, in offset order: whatever the partition had waiting,
 * up to `maxRun`. It resolves with how many of them, from the first, are done: the transport
 * commits those. Fewer than all only when the subscriber is closing; the rest stay uncommitted for
 * the partition's next owner. Rejecting leaves the whole run uncommitted, and the bus offers it
 * again after `REDELIVERY_DELAY_MS`. A run is one record while the consumer keeps up, and grows
 * only while records wait: batching adds no delay of its own.
 */
export type RunHandler = (records: ConsumedRecord[]) => Promise<number>

/** How long a transport waits before offering a record whose handler rejected again. */
export const REDELIVERY_DELAY_MS = 1000

/**
 * What a transport does: joins the group, hands each owned partition's records to the handler in
 * order — partitions independently, so one slow record never holds up another partition — and
 * commits a record's offset once its handler resolves. A subscriber gives either `handler` (one
 * record at a time) or `handleRun` (runs of up to `maxRun` records of one partition).
 */
export type SubscribeOptions = {
  group: string
  topics: string[]
} & ({ handler: RecordHandler } | { handleRun: RunHandler; maxRun: number })

/** The run handler and run size a transport uses for either kind of subscriber. */
export function runHandlerOf(options: SubscribeOptions): { handleRun: RunHandler; maxRun: number } {
  if ('handleRun' in options) return { handleRun: options.handleRun, maxRun: options.maxRun }
  const { handler } = options
  const handleRun: RunHandler = async (records) => {
    await handler(records[0] as ConsumedRecord)
    return 1
  }
  return { handleRun, maxRun: 1 }
}

export interface TopicPartition {
  topic: string
  partition: number
}

export interface Subscription {
  /** The partitions this member owns right now. */
  assignments(): TopicPartition[]
  /** Resolves once the member has joined its group and owns its partitions. */
  ready(): Promise<void>
  /** Finishes the record in hand, commits, and leaves the group. */
  close(): Promise<void>
  /** Stops at once without committing what is in flight, as a crash would. */
  abort(): Promise<void>
}

/**
 * Where to move a group's offsets: the first record at or after a time, an offset (on every
 * partition; a partition with fewer records starts at its end, one that no longer holds it at its
 * start), or the last N of each partition.
 */
export type SeekPosition =
  | { timestamp: number }
  | { offset: bigint }
  | { last: number }
  | 'earliest'
  | 'latest'

export interface PartitionLag extends TopicPartition {
  committed: bigint | null
  end: bigint
  lag: bigint
}

export interface TopicDescription {
  name: string
  partitions: { partition: number; start: bigint; end: bigint }[]
}

/** The event bus: one interface, a Kafka implementation and an embedded libSQL log. */
export interface EventBus {
  readonly kind: 'kafka' | 'embedded'
  /** Human-readable: which broker or database backs it. */
  readonly description: string
  /** Creates the topics that do not exist yet; leaves existing ones alone. */
  ensureTopics(specs: TopicSpec[]): Promise<void>
  /** Resolves once every record is durably on the log (acks=all), or rejects and none can be assumed sent. */
  publish(records: BusRecord[]): Promise<void>
  subscribe(options: SubscribeOptions): Promise<Subscription>
  /** Moves the committed offsets of a group that has no running members. */
  seek(group: string, topic: string, position: SeekPosition): Promise<void>
  /**
   * Committed offset, end offset and lag per partition of `topics`; a partition the group never
   * committed on has `committed: null` and lags by everything retained. With `committedOnly`, only
   * those of `topics` the group has committed on (describing topics is costly on a scrape).
   */
  lag(group: string, topics: string[], opts?: { committedOnly?: boolean }): Promise<PartitionLag[]>
  /** How many members a group has right now (0 when none is running). */
  groupMembers(group: string): Promise<number>
  describeTopics(names: string[]): Promise<TopicDescription[]>
  listTopics(): Promise<string[]>
  /** Groups that have committed offsets. */
  listGroups(): Promise<string[]>
  /** Forgets a group's committed offsets (the group must have no running members). */
  deleteGroup(group: string): Promise<void>
  /** Rejects when the bus cannot answer (readiness). */
  ping(): Promise<void>
  close(): Promise<void>
}

/** Lag per partition from the topics' offsets and a group's committed offsets (null: never committed). */
export function lagOf(
  topics: TopicDescription[],
  committed: (topic: string, partition: number) => bigint | null,
): PartitionLag[] {
  return topics.flatMap((d) =>
    d.partitions.map((p) => {
      const c = committed(d.name, p.partition)
      return {
        topic: d.name,
        partition: p.partition,
        committed: c,
        end: p.end,
        lag: p.end - (c ?? p.start),
      }
    }),
  )
}
