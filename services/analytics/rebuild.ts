// Rebuilding the roll-ups from the log (`bun run replay --service analytics`), while the live
// consumers go on. The order of steps is what makes it exact:
//   1. a reader group is placed at the requested position on every analytics topic;
//   2. in one transaction, every analytics table is emptied and the live groups' processed-event
//      rows are deleted;
//   3. the topics' end offsets are taken, after that commit;
//   4. the reader applies everything from the position to those ends, each event through the live
//      consumer's own handler and recorded as processed under the live consumer's group.
// An event the live consumers apply after step 2 and the reader meets again is recognised by its
// processed row (whoever comes second skips it); an event applied before step 2 was wiped with the
// tables, and lies before the ends of step 3, so the reader applies it again; an event past those
// ends was published after the wipe, and only the live consumers see it. Each event counts once.
// What the log holds before the position is forgotten — unless a live consumer that lags behind
// the position still has it to read. Replicas that rebuild at once (one per shared database is
// enough: `--replica`) stay exact: the last wipe wins and its reader covers everything after it.
import { countDistinct, eq, inArray } from 'drizzle-orm'
import { READER_GROUP_PREFIX } from '../../shared/bus/read.ts'
import { processedEvents } from '../../shared/bus/schema.ts'
import type { ConsumedRecord, EventBus, SeekPosition } from '../../shared/bus/types.ts'
import type { ConsumerDefinition } from '../../shared/consumers/define.ts'
import type { Db, Tx } from '../../shared/db/client.ts'
import { log } from '../../shared/observability/log.ts'
import { consumedEventOf } from './consumed-event.ts'
import { endOffsets, placeReader, readStretch } from './rebuild-read.ts'
import { ANALYTICS_TABLES, analyticsActiveUsers, analyticsProductDays } from './schema.ts'

/** What a rebuild did: the figures `service.replay_completed` reports. */
export interface RebuildReport {
  /** Events the rebuild applied itself (those the live consumers applied after the wipe excluded). */
  eventsApplied: number
  durationMs: number
  /** Distinct (pseudonymous) users and products in the rebuilt roll-ups. */
  users: number
  products: number
}

export interface RebuildOptions {
  bus: EventBus
  db: Db
  /** The live analytics consumers (`analyticsConsumers`): their topics, groups and handlers. */
  consumers: readonly ConsumerDefinition[]
  from: SeekPosition
  signal?: AbortSignal
  /** Gives up after this long; the tables then hold what was applied so far (default 30 min). */
  timeoutMs?: number
}

/** Empties every analytics table and forgets which events the live groups applied, at once. */
export async function clearAnalytics(tx: Tx, groups: readonly string[]): Promise<void> {
  for (const table of ANALYTICS_TABLES) await tx.delete(table)
  await tx.delete(processedEvents).where(inArray(processedEvents.groupId, [...groups]))
}

/** Rebuilds the roll-ups from `from` to now on the log (see the top of this file). */
export async function rebuildAnalytics(opts: RebuildOptions): Promise<RebuildReport> {
  const started = performance.now()
  const byTopic = new Map(opts.consumers.map((c) => [c.topic as string, c]))
  const topics = [...byTopic.keys()]
  const group = `${READER_GROUP_PREFIX}analytics-rebuild-${Bun.randomUUIDv7()}`
  const signal = opts.signal ?? new AbortController().signal
  let eventsApplied = 0
  const apply = async (records: ConsumedRecord[]) => {
    await opts.db.transaction(async (tx) => {
      for (const record of records) {
        const consumer = byTopic.get(record.topic)
        if (consumer && (await applyOnce(tx, consumer, record, signal))) eventsApplied++
      }
    })
  }
  try {
    await placeReader(opts.bus, group, topics, opts.from)
    // Stopped before the wipe, the roll-ups stay as they were.
    opts.signal?.throwIfAborted()
    await opts.db.transaction((tx) =>
      clearAnalytics(
        tx,
        opts.consumers.map((c) => c.group),
      ),
    )
    const ends = await endOffsets(opts.bus, topics)
    await readStretch({
      bus: opts.bus,
      group,
      topics,
      ends,
      apply,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs ?? 30 * 60_000,
    })
  } finally {
    await opts.bus.deleteGroup(group).catch((error) => {
      log.warn({ err: error, group }, 'could not delete the rebuild’s reader group')
    })
  }
  return {
    eventsApplied,
    durationMs: performance.now() - started,
    ...(await rolledUpCounts(opts.db)),
  }
}

/**
 * Applies a record as its live consumer would — same parsing, same handler — and records it as
 * processed under that consumer's group; false when it was skipped or already applied.
 */
async function applyOnce(
  tx: Tx,
  consumer: ConsumerDefinition,
  record: ConsumedRecord,
  signal: AbortSignal,
): Promise<boolean> {
  const event = consumedEventOf(consumer, record)
  // What the live consumer would dead-letter is left out here: its DLQ has it already.
  if (!event || (consumer.wants && !consumer.wants(event as never))) return false
  const fresh = await tx
    .insert(processedEvents)
    .values({ groupId: consumer.group, eventId: event.id, processedAt: Date.now() })
    .onConflictDoNothing()
    .returning({ eventId: processedEvents.eventId })
  if (fresh.length === 0) return false
  await consumer.handle(event as never, {
    prepared: undefined,
    tx,
    signal,
    attempt: 1,
    emit: () => {
      throw new Error('analytics emits no events')
    },
  })
  return true
}

/** How many users and products the roll-ups know. */
export async function rolledUpCounts(db: Db): Promise<{ users: number; products: number }> {
  const [users] = await db
    .select({ n: countDistinct(analyticsActiveUsers.userHash) })
    .from(analyticsActiveUsers)
    .where(eq(analyticsActiveUsers.granularity, 'day'))
  const [products] = await db
    .select({ n: countDistinct(analyticsProductDays.productId) })
    .from(analyticsProductDays)
  return { users: users?.n ?? 0, products: products?.n ?? 0 }
}
