import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { commit, onEventsCommitted } from '../../../shared/bus/commit.ts'
import { OutboxWriter } from '../../../shared/bus/outbox-writer.ts'
import { openMigratedDatabase } from '../../../shared/db/client.ts'
import { NestedWriteError } from '../../../shared/db/transaction-scope.ts'
import { createEvent } from '../../../shared/events/envelope.ts'
import { tempDatabase } from '../../helpers/broker.ts'

let database: Awaited<ReturnType<typeof tempDatabase>>

beforeAll(async () => {
  database = await tempDatabase()
  await database.client.execute('create table effects (id text not null)')
})

afterAll(() => database.close())

const viewed = (id: string) =>
  createEvent('product.viewed', { userId: 'u', productId: 'p', metadata: {} }, { source: '/t', id })

test('a write waiting for a transaction that awaits I/O leaves the event loop running, then commits', async () => {
  const order: string[] = []
  const release = Promise.withResolvers<void>()
  const transaction = database.db.transaction(async (tx) => {
    await tx.run(sql`insert into effects (id) values ('e1')`)
    order.push('transaction holds the lock')
    // A handler's effect that waits on the network (a payment provider, say).
    await release.promise
    order.push('transaction commits')
  })
  await Bun.sleep(10)
  const appended = new OutboxWriter(database.client).append([viewed('waits-for-lock')])
  void appended.then(() => order.push('append committed'))
  // A synchronous busy wait for the lock would keep this timer and this read from running at all.
  await new Promise((resolve) => setTimeout(resolve, 20))
  order.push('timer fired while the append waited')
  await database.db.run(sql`select count(*) from effects`)
  order.push('a read ran while the append waited')
  release.resolve()
  await Promise.all([transaction, appended])
  expect(await appended).toBe(1)
  expect(order).toEqual([
    'transaction holds the lock',
    'timer fired while the append waited',
    'a read ran while the append waited',
    'transaction commits',
    'append committed',
  ])
})

test('a write through db inside a transaction fails at once instead of waiting for its own lock', async () => {
  const attempt = database.db.transaction(async () => {
    await database.db.run(sql`insert into effects (id) values ('nested')`)
  })
  const outcome = await Promise.race([
    attempt.then(
      () => 'committed',
      (error: Error) => (error.cause instanceof NestedWriteError ? 'refused' : String(error)),
    ),
    Bun.sleep(3000).then(() => 'deadlocked'),
  ])
  expect(outcome).toBe('refused')
  // The lock is free again: other writers go on.
  await database.db.run(sql`insert into effects (id) values ('after')`)
})

test('a transaction inside a transaction fails at once instead of waiting for its own lock', async () => {
  const outcome = await Promise.race([
    database.db
      .transaction(async () => {
        await database.db.transaction(async (inner) => {
          await inner.run(sql`insert into effects (id) values ('nested-tx')`)
        })
      })
      .then(
        () => 'committed',
        (error: Error) => (error instanceof NestedWriteError ? 'refused' : String(error)),
      ),
    Bun.sleep(3000).then(() => 'deadlocked'),
  ])
  expect(outcome).toBe('refused')
  await database.db.run(sql`insert into effects (id) values ('after-nested-tx')`)
})

test('commit inside a transaction writes through it and wakes the relay only once it has committed', async () => {
  const woken: string[] = []
  const stop = onEventsCommitted(() => woken.push('woken'))
  try {
    await database.db.transaction(async (tx) => {
      await commit(tx, (w) => [w.run(sql`insert into effects (id) values ('in-tx')`)], [
        viewed('in-tx'),
      ])
      expect(woken).toEqual([])
    })
    expect(woken).toEqual(['woken'])
    await expect(
      database.db.transaction(async (tx) => {
        await commit(tx, (w) => [w.run(sql`insert into effects (id) values ('rolled')`)], [
          viewed('rolled-back'),
        ])
        throw new Error('abandon')
      }),
    ).rejects.toThrow('abandon')
    expect(woken).toEqual(['woken'])
    const rows = await database.client.execute(
      "select event_id from outbox where event_id in ('in-tx', 'rolled-back')",
    )
    expect(rows.rows.map((r) => r.event_id)).toEqual(['in-tx'])
  } finally {
    stop()
  }
})

test('two processes migrating a new database at once both start (the loser finds the work done)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamshop-migrate-'))
  const url = `file:${join(dir, 'shared.db')}`
  try {
    const opened = await Promise.all([openMigratedDatabase(url), openMigratedDatabase(url)])
    for (const d of opened) {
      const rs = await d.client.execute(
        "select count(*) as n from sqlite_master where name = 'outbox'",
      )
      expect(Number(rs.rows[0]?.n)).toBe(1)
      d.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
