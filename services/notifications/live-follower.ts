// Pages in every web process hear of a shopper's new notification, wherever it was stored: the
// notifications service may run in a process of its own. Each process follows notification-events
// in a group of its own, from the end, and tells its open pages; the group goes when it stops.
import type { EventBus } from '../../shared/bus/types.ts'
import { log } from '../../shared/observability/log.ts'
import { notifyChanged } from './notifications.ts'

const TOPIC = 'notification-events'

/** One web process's groups: `notifications-live-<uuid>`, deleted when it stops. */
export const LIVE_GROUP_PREFIX = 'notifications-live-'

export interface NotificationFollower {
  close(): Promise<void>
}

/**
 * Follows `notification.created` from now on and calls this process's watchers of its shopper
 * (the record's key). The event goes out after the notification's commit, so a page told can read it.
 */
export async function followNotificationEvents(bus: EventBus): Promise<NotificationFollower> {
  const group = `${LIVE_GROUP_PREFIX}${Bun.randomUUIDv7()}`
  await bus.seek(group, TOPIC, 'latest')
  const subscription = await bus.subscribe({
    group,
    topics: [TOPIC],
    handler: async (record) => {
      if (record.headers.ce_type === 'notification.created' && record.key) notifyChanged(record.key)
    },
  })
  return {
    close: async () => {
      await subscription.close()
      await bus
        .deleteGroup(group)
        .catch((error) => log.warn({ err: error, group }, 'could not delete a live group'))
    },
  }
}
