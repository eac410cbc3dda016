// The analytics consumers on the run's broker and a fresh database file: groups of their own,
// placed at the topics' ends (the broker holds every earlier test's events), and a `deliver` that
// publishes real CloudEvents records and waits until every group has committed past them.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { consumers } from '../../../services/analytics/index.ts'
import { ANALYTICS_TABLES } from '../../../services/analytics/schema.ts'
import type { BusRecord } from '../../../shared/bus/types.ts'
import type { ConsumerDefinition } from '../../../shared/consumers/define.ts'
import { ConsumerSet, retryPolicy } from '../../../shared/consumers/registry.ts'
import type { Db } from '../../../shared/db/client.ts'
import { createEvent, toRecord } from '../../../shared/events/envelope.ts'
import type { EventData, EventType } from '../../../shared/events/types.ts'
import { type Platform, startPlatform } from '../../../shared/platform.ts'
import { eventually, testConfig, unique } from '../../helpers/broker.ts'

export const SECRET = 'analytics-test-secret-0123456789abcdef'

export interface AnalyticsHarness {
  platform: Platform
  db: Db
  /** The live consumers as they run here: each with a unique group. */
  consumers: ConsumerDefinition[]
  dbFile: string
  deliver(...records: BusRecord[]): Promise<void>
  /** Waits until every group has committed up to the topics' ends as they are now. */
  settle(): Promise<void>
  close(): Promise<void>
}

export async function startAnalytics(): Promise<AnalyticsHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'streamshop-analytics-'))
  const dbFile = join(dir, 'analytics.db')
  const platform = await startPlatform(
    testConfig({ DATABASE_URL: `file:${dbFile}`, SESSION_SECRET: SECRET }),
  )
  const mine = consumers(platform.config).map((c) => ({ ...c, group: unique(c.group) }))
  const running = new ConsumerSet({
    bus: platform.bus,
    db: platform.database.db,
    retry: retryPolicy(platform.config),
  })
  for (const c of mine) await platform.bus.seek(c.group, c.topic, 'latest')
  await running.start(mine)

  const settle = async () => {
    const topics = [...new Set(mine.map((c) => c.topic as string))]
    const described = await platform.bus.describeTopics(topics)
    const ends = new Map(
      described.flatMap((t) => t.partitions.map((p) => [`${t.name}/${p.partition}`, p.end])),
    )
    const past = async () => {
      for (const c of mine) {
        const lag = await platform.bus.lag(c.group, [c.topic])
        const behind = lag.some(
          (p) => (p.committed ?? 0n) < (ends.get(`${p.topic}/${p.partition}`) ?? 0n),
        )
        if (behind) return false
      }
      return true
    }
    await eventually(past, 60_000, 'the analytics consumers to handle the records')
  }

  return {
    platform,
    db: platform.database.db,
    consumers: mine,
    dbFile,
    async deliver(...records) {
      await platform.bus.publish(records)
      await settle()
    },
    settle,
    async close() {
      await running.close()
      for (const c of mine) await platform.bus.deleteGroup(c.group).catch(() => {})
      await platform.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A catalog event at a given event time, as the outbox would publish it (`id` to repeat one). */
export function eventAt<T extends EventType>(
  type: T,
  data: EventData<T>,
  at: number,
  id?: string,
): BusRecord {
  return toRecord(createEvent(type, data, { source: '/test/analytics', time: new Date(at), id }))
}

let periods = 0
/**
 * The midnight (UTC) that starts a stretch of 40 days of a test's own, long past: the roll-ups are
 * keyed by event time, so a test reads only its own events whatever else the database holds.
 */
export function ownDay(): number {
  periods += 1
  return Date.UTC(2001, 0, 1) + periods * 40 * 86_400_000
}

/** Every row of every analytics table, in a stable order: for comparing two databases' roll-ups. */
export async function analyticsSnapshot(db: Db): Promise<Record<string, string[]>> {
  const tables: Record<string, string[]> = {}
  for (const [i, table] of ANALYTICS_TABLES.entries()) {
    const rows = await db.select().from(table)
    tables[i] = rows.map((r) => JSON.stringify(r)).sort()
  }
  return tables
}
