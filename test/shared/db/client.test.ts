import { afterAll, beforeAll, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { applyOnce } from '../../../shared/bus/outbox.ts'
import { OutboxWriter } from '../../../shared/bus/outbox-writer.ts'
import { createEvent } from '../../../shared/events/envelope.ts'
import { tempDatabase } from '../../helpers/broker.ts'

let database: Awaited<ReturnType<typeof tempDatabase>>

beforeAll(async () => {
  database = await tempDatabase()
  await database.client.execute('create table effects (id text not null)')
})

afterAll(() => database.close())

test('a write waiting for a transaction that awaits I/O neither freezes the event loop nor fails', async () => {
  let ticks = 0
  const ticker = setInterval(() => ticks++, 5)
  const started = performance.now()
  try {
    const transaction = applyOnce(database.db, 'g', 'e1', async (tx) => {
      await tx.run(sql`insert into effects (id) values ('e1')`)
      // A handler's effect that waits on the network (a payment provider, say).
      await Bun.sleep(200)
    })
    await Bun.sleep(10)
    const event = createEvent(
      'product.viewed',
      { userId: 'u', productId: 'p', metadata: {} },
      { source: '/t' },
    )
    const appended = new OutboxWriter(database.client).append([event])
    await Promise.all([transaction, appended])
    expect(await appended).toBe(1)
  } finally {
    clearInterval(ticker)
  }
  const elapsed = performance.now() - started
  expect(elapsed).toBeLessThan(5000)
  // The loop kept running while the append waited for the lock.
  expect(ticks).toBeGreaterThan(elapsed / 5 / 4)
})
