// A change of the dashboard's figures without the broker: product views applied to the roll-ups
// by analytics' own code (what its consumers call for a run of records), in one transaction.
import { sessionSecret } from '../services/accounts/index.ts'
import { applyAnalyticsEvents } from '../services/analytics/apply.ts'
import type { AnalyticsEvent } from '../services/analytics/effects.ts'
import type { Config } from '../shared/config/index.ts'
import type { Db } from '../shared/db/client.ts'
import { createEvent } from '../shared/events/envelope.ts'

/** Adds `count` views of `productId` now; resolves once they are committed. */
export async function applyProductViews(
  db: Db,
  config: Config,
  productId: string,
  count: number,
): Promise<void> {
  const events = Array.from({ length: count }, () => {
    const envelope = createEvent(
      'product.viewed',
      { userId: 'bench-viewer', productId, metadata: {} },
      { source: '/bench/dashboard' },
    )
    return {
      ...envelope,
      key: 'bench-viewer',
      record: { topic: 'user-events', partition: 0, offset: 0n, timestamp: 0n },
    } as unknown as AnalyticsEvent
  })
  await db.transaction((tx) => applyAnalyticsEvents(tx, events, sessionSecret(config)))
}
