// A record as a consumer's handler sees it, for a rebuild that reads the log itself: the checks
// the consumer runner makes (CloudEvents headers, a type the consumer handles, its data schema).

import type { ConsumedEvent, ConsumerDefinition } from '../../shared/consumers/define.ts'
import { cloudEventHeaders } from '../../shared/events/envelope.ts'
import type { ConsumedRecord } from '../../shared/events/record.ts'
import { EVENT_TYPES, isEventType } from '../../shared/events/types.ts'

/** The event a consumer would handle, or null for one it skips or would dead-letter. */
export function consumedEventOf(
  consumer: ConsumerDefinition,
  record: ConsumedRecord,
): ConsumedEvent | null {
  const headers = cloudEventHeaders.safeParse(record.headers)
  if (!headers.success) return null
  const type = headers.data.ce_type
  if (!isEventType(type) || !consumer.types.includes(type)) return null
  let raw: unknown
  try {
    raw = JSON.parse(record.value)
  } catch {
    return null
  }
  const data = (consumer.schema ?? EVENT_TYPES[type].schema).safeParse(raw)
  if (!data.success) return null
  const { topic, partition, offset, timestamp } = record
  return {
    id: headers.data.ce_id,
    type,
    source: headers.data.ce_source,
    time: headers.data.ce_time,
    key: record.key,
    data: data.data,
    record: { topic, partition, offset, timestamp },
  }
}
