// What the relay tests share: events on a topic of the test's own, written to the outbox.

import { outboxInserts } from '../../../shared/bus/outbox.ts'
import type { ConsumedRecord } from '../../../shared/bus/types.ts'
import type { Db } from '../../../shared/db/client.ts'
import { createEvent, type EventEnvelope } from '../../../shared/events/envelope.ts'
import type { TopicSpec } from '../../../shared/events/topics.ts'

export function topicSpec(name: string, partitions: number): TopicSpec {
  return { name, partitions, retentionDays: 1, purpose: 'test', consumed: false }
}

/** `count` cart events on `topic`, keyed round-robin by `keys` users. */
export function eventsOn(topic: string, count: number, keys: string[]): EventEnvelope[] {
  return Array.from({ length: count }, (_, i) => {
    const userId = keys[i % keys.length] as string
    const event = createEvent(
      'cart.item_added',
      { userId, productId: `p${i}`, metadata: {} },
      { source: '/test' },
    )
    return { ...event, topic }
  })
}

/** Writes events to the outbox in one transaction. */
export async function writeOutbox(db: Db, events: EventEnvelope[]): Promise<void> {
  await db.batch(outboxInserts(db, events) as [ReturnType<typeof outboxInserts>[number]])
}

/** Each key's event ids in the order the topic holds them. */
export function idsByKey(records: ConsumedRecord[]): Map<string, string[]> {
  const byKey = new Map<string, string[]>()
  for (const r of records) {
    const ids = byKey.get(r.key ?? '') ?? []
    ids.push(r.headers.ce_id as string)
    byKey.set(r.key ?? '', ids)
  }
  return byKey
}

/** Each key's event ids in the order they were written. */
export function expectedByKey(events: EventEnvelope[]): Map<string, string[]> {
  const byKey = new Map<string, string[]>()
  for (const e of events) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e.id])
  return byKey
}
