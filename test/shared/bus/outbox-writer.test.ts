import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Client, createClient } from '@libsql/client'
import { OutboxWriter } from '../../../shared/bus/outbox-writer.ts'
import { openDatabase, type Synchronous } from '../../../shared/db/client.ts'
import { createEvent, type EventEnvelope } from '../../../shared/events/envelope.ts'
import { tempDatabase, unique } from '../../helpers/broker.ts'

let database: Awaited<ReturnType<typeof tempDatabase>>

beforeAll(async () => {
  database = await tempDatabase()
})

afterAll(() => database.close())

const viewed = (id = unique('ev')): EventEnvelope =>
  createEvent('product.viewed', { userId: 'u', productId: 'p', metadata: {} }, { source: '/t', id })

const isRead = (statement: unknown) =>
  /^\s*select/i.test(typeof statement === 'string' ? statement : (statement as { sql: string }).sql)

/**
 * The real client, counting the write transactions it is asked to run: batches, interactive
 * transactions, and writing statements run alone (each its own transaction).
 */
function countingTransactions(client: Client): { client: Client; transactions: () => number } {
  let transactions = 0
  const counted = new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property)
      if (property !== 'batch' && property !== 'transaction' && property !== 'execute') return value
      return (...args: unknown[]) => {
        if (property !== 'execute' || !isRead(args[0])) transactions++
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { client: counted, transactions: () => transactions }
}

/** Appends one event per callback, each callback a separate task, as HTTP requests arrive. */
function appendFromSeparateTasks(writer: OutboxWriter, events: EventEnvelope[][]) {
  return Promise.all(
    events.map(
      (batch) =>
        new Promise<number>((resolve, reject) =>
          setImmediate(() => writer.append(batch).then(resolve, reject)),
        ),
    ),
  )
}

async function storedIds(ids: string[]): Promise<string[]> {
  // A separate connection sees only what was committed.
  const reader = createClient({ url: database.url })
  try {
    const rs = await reader.execute({
      sql: `select event_id from outbox where event_id in (${ids.map(() => '?').join(',')})`,
      args: ids,
    })
    return rs.rows.map((r) => String(r.event_id)).sort()
  } finally {
    reader.close()
  }
}

test('appends from requests handled in the same event-loop turn share one transaction', async () => {
  const { client, transactions } = countingTransactions(database.client)
  const writer = new OutboxWriter(client)
  const events = Array.from({ length: 64 }, () => [viewed()])

  const added = await appendFromSeparateTasks(writer, events)

  expect(added).toEqual(events.map(() => 1))
  // Before the fix each request committed on its own: 64 transactions, 64 fsyncs.
  expect(transactions()).toBeGreaterThanOrEqual(1)
  expect(transactions()).toBeLessThanOrEqual(2)
  const ids = events.flat().map((e) => e.id)
  expect(await storedIds(ids)).toEqual([...ids].sort())
})

test('a resolved append is committed: another connection already sees its events', async () => {
  const writer = new OutboxWriter(database.client)
  const event = viewed()
  await writer.append([event])
  expect(await storedIds([event.id])).toEqual([event.id])
})

test('each append learns its own duplicates although the appends share a transaction', async () => {
  const writer = new OutboxWriter(database.client)
  const known = viewed()
  await writer.append([known])
  const [a, b, c] = [viewed(), viewed(), viewed()]

  const added = await appendFromSeparateTasks(writer, [
    [a, b],
    [b, c],
    [known, a],
    [c, c],
  ])

  // The first append to carry an id gets it; later ones, and ids already stored, are duplicates.
  expect(added).toEqual([2, 1, 0, 0])
  expect(await storedIds([a.id, b.id, c.id])).toEqual([a.id, b.id, c.id].sort())
})

test('an append the database refuses fails alone; the appends grouped with it commit', async () => {
  const writer = new OutboxWriter(database.client)
  const good = [viewed(), viewed()]
  // A fault injected through the data: the outbox requires a topic.
  const refused = { ...viewed(), topic: null } as unknown as EventEnvelope

  const results = await Promise.allSettled(
    [[good[0] as EventEnvelope], [refused], [good[1] as EventEnvelope]].map(
      (batch) =>
        new Promise<number>((resolve, reject) =>
          setImmediate(() => writer.append(batch).then(resolve, reject)),
        ),
    ),
  )

  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
  expect(await storedIds([...good, refused].map((e) => e.id))).toEqual(good.map((e) => e.id).sort())
})

test.each([
  ['full', 2],
  ['normal', 1],
] as [Synchronous, number][])(
  'DATABASE_SYNCHRONOUS=%s holds on every connection the client opens',
  async (level, expected) => {
    const dir = mkdtempSync(join(tmpdir(), 'streamshop-sync-'))
    const opened = await openDatabase(`file:${join(dir, 'sync.db')}`, undefined, {
      synchronous: level,
    })
    try {
      // Asked in one tick, each question takes a connection of its own: the whole pool answers.
      const answers = await Promise.all(
        Array.from({ length: 32 }, () => opened.client.execute('PRAGMA synchronous')),
      )
      expect(new Set(answers.map((rs) => Number(rs.rows[0]?.synchronous)))).toEqual(
        new Set([expected]),
      )
    } finally {
      opened.close()
      rmSync(dir, { recursive: true, force: true })
    }
  },
)
