// A shopper's notifications: one message per order outcome (confirmed or cancelled), shown in the
// header's menu, and a signal in this process when a shopper's messages change so that open pages
// refresh their menu.
import { and, count, desc, eq, isNull } from 'drizzle-orm'
import type { Db, Tx } from '../../shared/db/client.ts'
import { createEvent, type EventEnvelope } from '../../shared/events/envelope.ts'
import type { EventData } from '../../shared/events/types.ts'
import { log } from '../../shared/observability/log.ts'
import { type Notification, notifications } from './schema.ts'

const SOURCE = '/streamshop/notifications'

type StatusUpdate = EventData<'order.status_updated'>

/** A notification before it is stored. */
export type NewNotification = Omit<Notification, 'createdAt' | 'readAt'>

/** How an order reads in a message: its last characters, as the order page shows it. */
function orderNumber(orderId: string): string {
  return orderId.slice(-8)
}

/**
 * One id per order and outcome, so a redelivered or repeated status update finds the message it
 * already left. Hashed: an order id may already be as long as an id may be.
 */
function notificationId(orderId: string, kind: Notification['kind']): string {
  const digest = new Bun.CryptoHasher('sha256').update(`${kind}\n${orderId}`).digest('hex')
  return `ntf_${digest.slice(0, 32)}`
}

/**
 * The message an order's status update deserves: one when the order ends (completed or cancelled),
 * none on its way there.
 */
export function orderNotification(update: StatusUpdate): NewNotification | null {
  const { orderId, userId } = update
  if (update.status === 'completed') {
    return {
      id: notificationId(orderId, 'order_confirmed'),
      userId,
      orderId,
      kind: 'order_confirmed',
      title: 'Order confirmed',
      body: `Your order ${orderNumber(orderId)} is confirmed and on its way.`,
    }
  }
  if (update.status === 'cancelled') {
    return {
      id: notificationId(orderId, 'order_cancelled'),
      userId,
      orderId,
      kind: 'order_cancelled',
      title: 'Order cancelled',
      // The saga's words for the reason ("Your card was declined."), when it gave them.
      body: update.message?.trim() || `Your order ${orderNumber(orderId)} was cancelled.`,
    }
  }
  return null
}

/**
 * Stores a notification once: returns the `notification.created` event to emit with it, or null
 * when it was already there (nothing new to announce).
 */
export async function storeNotification(
  tx: Tx,
  notification: NewNotification,
): Promise<EventEnvelope | null> {
  const stored = await tx
    .insert(notifications)
    .values({ ...notification, createdAt: Date.now() })
    .onConflictDoNothing()
    .returning({ id: notifications.id })
  if (stored.length === 0) return null
  const { id, userId, orderId, kind, title, body } = notification
  return createEvent(
    'notification.created',
    { notificationId: id, userId, orderId: orderId ?? undefined, kind, title, body },
    { source: SOURCE },
  )
}

/** A shopper's latest notifications, newest first. */
export function listNotifications(db: Db, userId: string, limit = 20): Promise<Notification[]> {
  return db
    .select()
    .from(notifications)
    .where(eq(notifications.userId, userId))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(limit)
}

/** How many of a shopper's notifications they have not read yet. */
export async function unreadCount(db: Db, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)))
  return row?.n ?? 0
}

/** Marks every notification of a shopper read; returns how many were unread. */
export async function markAllRead(db: Db, userId: string): Promise<number> {
  const read = await db
    .update(notifications)
    .set({ readAt: Date.now() })
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)))
    .returning({ id: notifications.id })
  if (read.length > 0) notifyChanged(userId)
  return read.length
}

const watchers = new Map<string, Set<() => void>>()

/**
 * Calls `changed` whenever a shopper's notifications change in this process (one arrives, or they
 * are read), once the change is visible to a query. Returns the function that stops watching.
 *
 * @example
 * const stop = watchNotifications(userId, () => void stream.writeSSE({ … }))
 * stream.onAbort(stop)
 */
export function watchNotifications(userId: string, changed: () => void): () => void {
  let mine = watchers.get(userId)
  if (!mine) {
    mine = new Set()
    watchers.set(userId, mine)
  }
  // Its own wrapper, so the same function watching twice is stopped once per call.
  const watcher = () => changed()
  mine.add(watcher)
  return () => {
    mine.delete(watcher)
    if (mine.size === 0 && watchers.get(userId) === mine) watchers.delete(userId)
  }
}

/** Tells this process's watchers of a shopper that their notifications changed. */
export function notifyChanged(userId: string): void {
  for (const watcher of [...(watchers.get(userId) ?? [])]) {
    // One page's failing callback must not keep the others from hearing.
    try {
      watcher()
    } catch (error) {
      log.warn({ err: error, userId }, 'a notifications watcher failed')
    }
  }
}
