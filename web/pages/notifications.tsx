// The signed-in shopper's messages: order confirmed, order cancelled and why.
import { type Context, Hono } from 'hono'
import type { FC } from 'hono/jsx'
import type { Visitor, VisitorEnv } from '../../services/accounts/index.ts'
import {
  listNotifications,
  markAllRead,
  type Notification,
} from '../../services/notifications/index.ts'
import type { Db } from '../../shared/db/client.ts'
import { Layout } from '../layout.tsx'
import { signedIn } from './signed-in.ts'

export const NotificationList: FC<{ notifications: Notification[] }> = ({ notifications }) => (
  <ul class="notifications">
    {notifications.length === 0 ? <li class="muted">Nothing yet.</li> : null}
    {notifications.map((n) => (
      <li class={n.readAt ? 'read' : 'unread'} data-kind={n.kind}>
        <strong>{n.title}</strong> — {n.body}{' '}
        {n.orderId ? <a href={`/orders/${n.orderId}`}>See the order</a> : null}{' '}
        <time class="muted">
          {new Date(n.createdAt).toISOString().slice(0, 16).replace('T', ' ')}
        </time>
      </li>
    ))}
  </ul>
)

const NotificationsPage: FC<{ visitor: Visitor; notifications: Notification[] }> = (props) => (
  <Layout title="Notifications" visitor={props.visitor}>
    <h1>Notifications</h1>
    <NotificationList notifications={props.notifications} />
  </Layout>
)

/** `GET /notifications`: the list, newest first; seeing it marks everything read. */
export function notificationPages(deps: { db: Db }): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
  app.get('/notifications', signedIn, async (c: Context<VisitorEnv>) => {
    const visitor = c.get('visitor')
    const userId = visitor.user?.id ?? ''
    const notifications = await listNotifications(deps.db, userId, 50)
    await markAllRead(deps.db, userId)
    visitor.unreadNotifications = 0
    return c.html(<NotificationsPage visitor={visitor} notifications={notifications} />)
  })
  return app
}
