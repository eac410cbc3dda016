// The notifications context's public face: what web/ and other services may use.

export { followNotificationEvents, type NotificationFollower } from './live-follower.ts'
export {
  listNotifications,
  markAllRead,
  unreadCount,
  watchNotifications,
} from './notifications.ts'
export type { Notification } from './schema.ts'

import { orderStatusUpdated } from './consumers/order-events.ts'

/** What the notifications context consumes; `bun run dev` and `bun services/notifications/main.ts` start them. */
export const consumers = [orderStatusUpdated]
