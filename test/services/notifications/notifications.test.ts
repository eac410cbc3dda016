import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import {
  consumers,
  followNotificationEvents,
  listNotifications,
  markAllRead,
  unreadCount,
  watchNotifications,
} from '../../../services/notifications/index.ts'
import { notifications } from '../../../services/notifications/schema.ts'
import { processedEvents } from '../../../shared/bus/schema.ts'
import { ConsumerSet, retryPolicy } from '../../../shared/consumers/registry.ts'
import { createEvent, toRecord } from '../../../shared/events/envelope.ts'
import type { OrderStatus } from '../../../shared/events/order-saga.ts'
import { type Platform, startPlatform } from '../../../shared/platform.ts'
import { eventually, readTopic, testConfig, unique } from '../../helpers/broker.ts'

let platform: Platform
let running: ConsumerSet
let dir: string
// Its own group, starting at the topic's end: `order-events` holds every earlier test's orders.
const mine = consumers.map((c) => ({ ...c, group: unique('notifications') }))

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'streamshop-notifications-'))
  platform = await startPlatform(
    testConfig({ DATABASE_URL: `file:${join(dir, 'notifications.db')}` }),
  )
  running = new ConsumerSet({
    bus: platform.bus,
    db: platform.database.db,
    retry: retryPolicy(platform.config),
  })
  for (const c of mine) await platform.bus.seek(c.group, c.topic, 'latest')
  await running.start(mine)
})

afterAll(async () => {
  await running.close()
  for (const c of mine) await platform.bus.deleteGroup(c.group).catch(() => {})
  await platform.close()
  rmSync(dir, { recursive: true, force: true })
})

const db = () => platform.database.db

/** An `order.status_updated`, as the orchestrator sends it; a new event id on every call. */
function statusUpdated(
  orderId: string,
  userId: string,
  status: OrderStatus,
  why: { reason?: string; message?: string } = {},
) {
  return toRecord(
    createEvent(
      'order.status_updated',
      { orderId, correlationId: orderId, userId, status, step: 'test', ...why },
      { source: '/test/orders' },
    ),
  )
}

/** Publishes status updates and waits until this consumer has applied every one of them. */
/** Publishes the records and waits until the consumer's group has committed past all of them. */
async function deliver(...records: ReturnType<typeof statusUpdated>[]): Promise<void> {
  await platform.bus.publish(records)
  const group = mine[0]?.group ?? ''
  const [end] = await platform.bus.describeTopics(['order-events'])
  const ends = new Map((end?.partitions ?? []).map((p) => [p.partition, p.end]))
  const past = async () =>
    (await platform.bus.lag(group, ['order-events'])).every(
      (p) => (p.committed ?? 0n) >= (ends.get(p.partition) ?? 0n),
    )
  await eventually(past, 30_000, 'the records to be handled')
}

/** Which of these events the group recorded as processed (each in its own transaction). */
async function processed(records: ReturnType<typeof statusUpdated>[]): Promise<string[]> {
  const group = mine[0]?.group ?? ''
  const rows = await db()
    .select({ id: processedEvents.eventId })
    .from(processedEvents)
    .where(eq(processedEvents.groupId, group))
  const ids = new Set(rows.map((r) => r.id))
  return records.map((r) => r.headers.ce_id ?? '').filter((id) => ids.has(id))
}

/** The `notification.created` events for a shopper, once `count` of them are on the topic. */
async function announcedTo(userId: string, since: number, count: number) {
  const records = await readTopic(
    platform.bus,
    'notification-events',
    (rs) => rs.filter((r) => r.key === userId).length >= count,
    30_000,
    since,
  )
  return records
    .filter((r) => r.key === userId)
    .map((r) => ({ type: r.headers.ce_type, data: JSON.parse(r.value) }))
}

describe('notifications of an order’s outcome', () => {
  test('a completed order gets one "Order confirmed" message, announced on notification-events', async () => {
    const [orderId, userId] = [unique('order'), unique('user')]
    const since = Date.now()
    await deliver(statusUpdated(orderId, userId, 'completed'))
    const [message] = await listNotifications(db(), userId, 10)
    expect(message).toMatchObject({
      userId,
      orderId,
      kind: 'order_confirmed',
      title: 'Order confirmed',
      body: `Your order ${orderId.slice(-8)} is confirmed and on its way.`,
      readAt: null,
    })
    const announced = await announcedTo(userId, since, 1)
    expect(announced).toEqual([
      {
        type: 'notification.created',
        data: {
          notificationId: message?.id,
          userId,
          orderId,
          kind: 'order_confirmed',
          title: 'Order confirmed',
          body: message?.body,
        },
      },
    ])
  })

  test('a cancelled order gets "Order cancelled" with the reason in words', async () => {
    const [orderId, userId] = [unique('order'), unique('user')]
    const since = Date.now()
    await deliver(
      statusUpdated(orderId, userId, 'cancelled', {
        reason: 'card_declined',
        message: 'Your card was declined.',
      }),
    )
    const messages = await listNotifications(db(), userId, 10)
    expect(messages.map((m) => [m.kind, m.title, m.body])).toEqual([
      ['order_cancelled', 'Order cancelled', 'Your card was declined.'],
    ])
    const [announced] = await announcedTo(userId, since, 1)
    expect(announced?.data).toMatchObject({ kind: 'order_cancelled', orderId, userId })
  })

  test('a repeated status update (another event id, same order and status) adds nothing', async () => {
    const [orderId, userId] = [unique('order'), unique('user')]
    const since = Date.now()
    const [first, again] = [
      statusUpdated(orderId, userId, 'completed'),
      statusUpdated(orderId, userId, 'completed'),
    ]
    expect(first.headers.ce_id).not.toBe(again.headers.ce_id)
    await deliver(first, again)
    expect(await listNotifications(db(), userId, 10)).toHaveLength(1)
    // A later order of the same shopper marks the end of what to read: one announcement each.
    await deliver(statusUpdated(unique('order'), userId, 'completed'))
    const announced = await announcedTo(userId, since, 2)
    expect(announced.filter((a) => a.data.orderId === orderId)).toHaveLength(1)
    expect(await unreadCount(db(), userId)).toBe(2)
  })

  test('statuses on the way to the end notify nobody', async () => {
    const [orderId, userId] = [unique('order'), unique('user')]
    const steps: OrderStatus[] = [
      'placed',
      'payment_authorizing',
      'inventory_reserving',
      'shipment_creating',
      'payment_capturing',
      'compensating',
    ]
    const updates = steps.map((s) => statusUpdated(orderId, userId, s))
    await deliver(...updates)
    expect(await listNotifications(db(), userId, 10)).toEqual([])
    expect(await unreadCount(db(), userId)).toBe(0)
    // Not even a transaction: none of them was recorded as processed.
    expect(await processed(updates)).toEqual([])
    const done = statusUpdated(orderId, userId, 'completed')
    await deliver(done)
    expect(await processed([done])).toEqual([done.headers.ce_id ?? ''])
  })

  test('counts unread messages until the shopper reads them, newest listed first', async () => {
    const userId = unique('user')
    const [older, newer] = [unique('order'), unique('order')]
    await deliver(statusUpdated(older, userId, 'completed'))
    await Bun.sleep(5)
    await deliver(
      statusUpdated(newer, userId, 'cancelled', { message: 'Some items are out of stock.' }),
    )
    expect(await unreadCount(db(), userId)).toBe(2)
    expect((await listNotifications(db(), userId, 10)).map((m) => m.orderId)).toEqual([
      newer,
      older,
    ])
    expect((await listNotifications(db(), userId, 1)).map((m) => m.orderId)).toEqual([newer])
    // Another shopper's messages are theirs alone.
    expect(await unreadCount(db(), unique('user'))).toBe(0)
    expect(await markAllRead(db(), userId)).toBe(2)
    expect(await unreadCount(db(), userId)).toBe(0)
    expect(await markAllRead(db(), userId)).toBe(0)
    const read = await listNotifications(db(), userId, 10)
    expect(read.every((m) => typeof m.readAt === 'number')).toBe(true)
  })

  test('tells a watching page once the new message can be read, and stops when asked', async () => {
    const [userId, someoneElse] = [unique('user'), unique('user')]
    // Another connection, read synchronously the moment the page is told: what any reader of the
    // database could see then. Told before the commit, it would find nothing.
    const reader = new Database(join(dir, 'notifications.db'), { readonly: true })
    const visible = reader.query<{ orderId: string }, [string]>(
      'select order_id as orderId from notifications where user_id = ? order by created_at',
    )
    const seen: string[][] = []
    const stop = watchNotifications(userId, () =>
      seen.push(visible.all(userId).map((r) => r.orderId)),
    )
    let othersTold = 0
    const stopOther = watchNotifications(someoneElse, () => othersTold++)
    try {
      const orderId = unique('order')
      await deliver(statusUpdated(orderId, userId, 'completed'))
      await eventually(() => seen.length >= 1, 10_000, 'the watcher to be told')
      expect(seen).toEqual([[orderId]])
      expect(othersTold).toBe(0)
      // Reading them is a change too: another tab's menu drops its unread count.
      await markAllRead(db(), userId)
      expect(seen).toHaveLength(2)
      // A repeat adds no message, so nobody is told again.
      await deliver(statusUpdated(orderId, userId, 'completed'))
      expect(seen).toHaveLength(2)
    } finally {
      stop()
      stopOther()
      reader.close()
    }
    await deliver(statusUpdated(unique('order'), userId, 'completed'))
    expect(seen).toHaveLength(2)
  })

  test('a page in another process hears of a message the notifications service stored elsewhere', async () => {
    // What this process's pages watch, while the message is stored and announced by another
    // process: here, a row written straight to the database and its event published to Kafka.
    const follower = await followNotificationEvents(platform.bus)
    const userId = unique('user')
    let told = 0
    const stop = watchNotifications(userId, () => told++)
    try {
      const notification = {
        id: unique('n'),
        userId,
        orderId: unique('order'),
        kind: 'order_confirmed' as const,
        title: 'Order confirmed',
        body: 'Elsewhere',
      }
      await db()
        .insert(notifications)
        .values({ ...notification, createdAt: Date.now() })
      expect(told).toBe(0)
      await platform.bus.publish([
        toRecord(
          createEvent(
            'notification.created',
            {
              notificationId: notification.id,
              userId,
              orderId: notification.orderId,
              kind: notification.kind,
              title: notification.title,
              body: notification.body,
            },
            { source: '/test/notifications' },
          ),
        ),
      ])
      await eventually(() => told >= 1, 20_000, 'the page to be told')
      expect(await unreadCount(db(), userId)).toBe(1)
    } finally {
      stop()
      await follower.close()
    }
  })
})
