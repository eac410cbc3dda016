import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ResolvedBroker } from '../../shared/broker/resolve.ts'
import { KafkaBus } from '../../shared/bus/kafka.ts'
import type { ConsumedRecord, EventBus } from '../../shared/bus/types.ts'
import { type Config, parseConfig } from '../../shared/config/index.ts'
import { type Database, openMigratedDatabase } from '../../shared/db/client.ts'

let broker: ResolvedBroker | null = null

export function setTestBroker(resolved: ResolvedBroker): void {
  broker = resolved
}

/** The bootstrap addresses of the run's broker (see test/setup.ts). */
export function testBrokers(): string[] {
  if (!broker) throw new Error('No test broker: test/setup.ts must run as a preload (bunfig.toml)')
  return broker.brokers
}

/** A unique name for a topic, group or user, so tests never see each other's data. */
export function unique(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`
}

/** A test configuration: the run's broker, short sessions, fast retries. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return parseConfig({
    ...process.env,
    NODE_ENV: 'test',
    KAFKA_BROKERS: testBrokers().join(','),
    KAFKA_SESSION_TIMEOUT_MS: '3000',
    CONSUMER_RETRY_BASE_MS: '5',
    OUTBOX_POLL_MS: '20',
    INGEST_RATE_LIMIT_PER_MIN: '0',
    ...overrides,
  })
}

export function kafkaBus(
  brokers: string[] = testBrokers(),
  overrides: Partial<ConstructorParameters<typeof KafkaBus>[0]> = {},
): KafkaBus {
  return new KafkaBus({
    brokers,
    clientId: unique('test'),
    replicationFactor: 1,
    sessionTimeoutMs: 3000,
    ...overrides,
  })
}

/** A fresh migrated database file, removed by `close`. */
export async function tempDatabase(): Promise<Database & { dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'streamshop-test-'))
  const database = await openMigratedDatabase(`file:${join(dir, 'test.db')}`)
  return {
    ...database,
    dir,
    close() {
      database.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Polls until the check returns a value (not undefined/false) or fails after the timeout. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<Exclude<T, false | undefined | null>> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined && value !== null && value !== false)
        return value as Exclude<T, false | undefined | null>
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      )
    }
    await Bun.sleep(50)
  }
}

/**
 * Reads a topic from the beginning, with a throwaway group, until `until` holds and then up to the
 * end offsets of that moment, so that late duplicates would be seen too.
 */
export async function readTopic(
  bus: EventBus,
  topic: string,
  until: (records: ConsumedRecord[]) => boolean,
  timeoutMs = 20_000,
  /** Start at the first record at or after this time (ms since the epoch) instead of the beginning. */
  since?: number,
): Promise<ConsumedRecord[]> {
  const group = unique('reader')
  if (since !== undefined) await bus.seek(group, topic, { timestamp: since })
  const records: ConsumedRecord[] = []
  const sub = await bus.subscribe({
    group,
    topics: [topic],
    handler: async (r) => void records.push(r),
  })
  try {
    await eventually(() => until(records), timeoutMs, `records on ${topic}`)
    const [described] = await bus.describeTopics([topic])
    const ends = new Map((described?.partitions ?? []).map((p) => [p.partition, p.end]))
    // Caught up once the group has committed up to those end offsets (an empty stretch included).
    const caughtUp = async () =>
      (await bus.lag(group, [topic])).every((p) =>
        p.committed === null ? p.lag === 0n : p.committed >= (ends.get(p.partition) ?? 0n),
      )
    await eventually(caughtUp, timeoutMs, `the end of ${topic}`)
    return records
  } finally {
    await sub.close()
    await bus.deleteGroup(group).catch(() => {})
  }
}
