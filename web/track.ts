import { commit } from '../shared/bus/commit.ts'
import type { Db } from '../shared/db/client.ts'
import { createEvent } from '../shared/events/envelope.ts'
import type { EventData, EventType } from '../shared/events/types.ts'

const SOURCE = '/streamshop/web'

/**
 * Records what a shopper did as the page is served, through the outbox: the browser is never
 * trusted to report it.
 */
export async function track<T extends EventType>(
  db: Db,
  type: T,
  data: EventData<T>,
): Promise<void> {
  await commit(db, () => [], [createEvent(type, data, { source: SOURCE })])
}

/** A keyed hash of a shopper id for analytics events: stable per shopper, not reversible. */
export function pseudonym(secret: string, shopperId: string): string {
  return `p_${new Bun.CryptoHasher('sha256', secret).update(`analytics:${shopperId}`).digest('hex').slice(0, 24)}`
}
