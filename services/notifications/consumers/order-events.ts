import { catalogSchema, defineConsumer } from '../../../shared/consumers/define.ts'
import { afterCommit } from '../../../shared/db/transaction-scope.ts'
import { notifyChanged, orderNotification, storeNotification } from '../notifications.ts'

/**
 * When an order ends, its shopper gets a message: "Order confirmed" or "Order cancelled" with the
 * reason in words. Stored once per order and outcome, whatever the log redelivers, and announced
 * with `notification.created` in the same transaction. Statuses on the way are not looked at.
 */
export const orderStatusUpdated = defineConsumer({
  group: 'notifications',
  topic: 'order-events',
  types: ['order.status_updated'],
  schema: catalogSchema('order.status_updated'),
  // Of an order's five or so status updates only the last one notifies: the others cost no
  // transaction at all.
  wants: (event) => orderNotification(event.data) !== null,
  async handle(event, ctx) {
    const notification = orderNotification(event.data)
    if (!notification) return
    const created = await storeNotification(ctx.tx, notification)
    if (!created) return
    ctx.emit(created)
    // Open pages re-read the menu when told: only once the row is committed can they see it.
    afterCommit(() => notifyChanged(notification.userId))
  },
})
