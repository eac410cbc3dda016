// What the Stream tab shows of the broker: the catalog's topics with their partitions and end
// offsets (and records per second between two looks), and every consumer group with its members
// and lag per partition.
import type { EventBus, PartitionLag } from '../../../shared/bus/types.ts'
import { catalogWithDlqs } from '../../../shared/events/topics.ts'
import { consumerLag } from '../../../shared/platform.ts'

export interface TopicRow {
  name: string
  partitions: { partition: number; start: bigint; end: bigint }[]
  /** Records retained (end − start, summed). */
  records: bigint
  /** The sum of the partitions' end offsets: every record ever written. */
  end: bigint
  /** Records written per second since the previous look; null on the first. */
  perSecond: number | null
}

/** The ends seen at a moment: the next look's rates are measured against it. */
export interface TopicSnapshot {
  at: number
  ends: Map<string, bigint>
}

export interface GroupRow {
  group: string
  members: number
  lag: bigint
  partitions: Pick<PartitionLag, 'topic' | 'partition' | 'lag'>[]
}

/** The catalog's topics that exist on the broker (DLQs included), with rates since `previous`. */
export async function topicRows(
  bus: EventBus,
  previous: TopicSnapshot | null = null,
  now = Date.now(),
): Promise<{ rows: TopicRow[]; snapshot: TopicSnapshot }> {
  const existing = new Set(await bus.listTopics())
  const names = catalogWithDlqs()
    .map((t) => t.name)
    .filter((n) => existing.has(n))
  const described = await bus.describeTopics(names)
  const ends = new Map<string, bigint>()
  const seconds = previous ? (now - previous.at) / 1000 : 0
  const rows = described.map((d): TopicRow => {
    const end = d.partitions.reduce((n, p) => n + p.end, 0n)
    const records = d.partitions.reduce((n, p) => n + (p.end - p.start), 0n)
    ends.set(d.name, end)
    const before = previous?.ends.get(d.name)
    return {
      name: d.name,
      partitions: d.partitions,
      records,
      end,
      perSecond: before === undefined || seconds <= 0 ? null : Number(end - before) / seconds,
    }
  })
  return { rows, snapshot: { at: now, ends } }
}

/** Every consumer group that has committed on the catalog's topics, with members and lag. */
export async function groupRows(bus: EventBus): Promise<GroupRow[]> {
  const byGroup = Map.groupBy(await consumerLag(bus), (s) => s.group)
  const rows = await Promise.all(
    [...byGroup].map(async ([group, partitions]) => ({
      group,
      members: await bus.groupMembers(group).catch(() => 0),
      lag: partitions.reduce((n, p) => n + p.lag, 0n),
      partitions: partitions.map(({ topic, partition, lag }) => ({ topic, partition, lag })),
    })),
  )
  return rows.sort((a, b) => a.group.localeCompare(b.group))
}
