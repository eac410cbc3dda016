// The relay's own writes compete with request commits for SQLite's one write lock, and its upkeep
// runs every second for as long as the shop runs: both must stay small however much is retained.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { advanceCursors, prunePublished } from '../../../shared/bus/outbox.ts'
import { RelayLease } from '../../../shared/bus/relay-lease.ts'
import { outbox, outboxRelay } from '../../../shared/bus/schema.ts'
import { tempDatabase } from '../../helpers/broker.ts'

let database: Awaited<ReturnType<typeof tempDatabase>>

beforeAll(async () => {
  database = await tempDatabase()
})

afterAll(() => database.close())

const leaseRow = async () =>
  (await database.db.select().from(outboxRelay).where(eq(outboxRelay.name, 'relay')))[0]

async function insertRows(createdAt: number[]): Promise<number[]> {
  const rows = await database.db
    .insert(outbox)
    .values(
      createdAt.map((at) => ({
        eventId: crypto.randomUUID(),
        topic: 'user-events',
        key: 'k',
        type: 'product.viewed',
        source: '/t',
        time: new Date(at).toISOString(),
        data: '{}',
        createdAt: at,
      })),
    )
    .returning({ seq: outbox.seq })
  return rows.map((r) => r.seq)
}

test('a held lease is renewed a few times per lease, not before every batch', async () => {
  const leaseMs = 1200
  const lease = new RelayLease(database.db, leaseMs)
  try {
    expect(await lease.hold()).toBe(0)
    const first = (await leaseRow())?.leaseExpiresAt

    // Batch after batch within a twelfth of the lease: no write, the cursor comes from memory.
    const moved = await advanceCursors(database.db, lease.owner, 7, [])
    expect(moved).toBe(7)
    lease.advanced(7)
    for (let i = 0; i < 5; i++) expect(await lease.hold()).toBe(7)
    expect((await leaseRow())?.leaseExpiresAt).toBe(first as number)

    // After that it renews, and still answers with the cursor it wrote.
    await Bun.sleep(leaseMs / 12 + 20)
    expect(await lease.hold()).toBe(7)
    expect((await leaseRow())?.leaseExpiresAt).toBeGreaterThan(first as number)
  } finally {
    await lease.release()
  }
})

test('a relay that lost its lease writes no cursor, even while it still remembers holding it', async () => {
  const lease = new RelayLease(database.db, 60_000)
  try {
    const cursor = await lease.hold()
    expect(cursor).not.toBeNull()
    await database.db
      .update(outboxRelay)
      .set({ owner: 'someone-else' })
      .where(eq(outboxRelay.name, 'relay'))

    expect(await lease.hold()).toBe(cursor as number)
    expect(await advanceCursors(database.db, lease.owner, 1_000_000, [])).toBeNull()
    expect((await leaseRow())?.publishedSeq).toBe(cursor as number)
    lease.forget()
    expect(await lease.hold()).toBeNull()
  } finally {
    await database.db
      .update(outboxRelay)
      .set({ leaseExpiresAt: 0 })
      .where(eq(outboxRelay.name, 'relay'))
    await lease.release()
  }
})

test('pruning deletes published events older than the retention, and nothing else', async () => {
  const retentionMs = 60_000
  const now = Date.now()
  const old = now - 2 * retentionMs
  const published = await insertRows([old, old, old, now - 1000, now])
  const unpublished = await insertRows([old, now])
  const upTo = published.at(-1) as number

  await prunePublished(database.db, upTo, retentionMs)

  const left = (await database.db.select({ seq: outbox.seq }).from(outbox).orderBy(outbox.seq)).map(
    (r) => r.seq,
  )
  // The three old published rows are gone; young ones and everything unpublished stay.
  expect(left).toEqual([...published.slice(3), ...unpublished])
})
