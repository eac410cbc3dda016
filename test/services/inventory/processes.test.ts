// Two OS processes reserving the same product in the same database file at the same time: SQLite
// serialises their transactions, and each reservation's conditional update sees the other's.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { reservationsOf, stockOf } from '../../../services/inventory/index.ts'
import { setStock } from '../../../services/inventory/inventory.ts'
import type { Database } from '../../../shared/db/client.ts'
import { tempDatabase, unique } from '../../helpers/broker.ts'
import { Processes } from '../../helpers/process.ts'

const STOCK = 60
const ORDERS_EACH = 50

let database: Database
const processes = new Processes()

beforeAll(async () => {
  database = await tempDatabase()
})

afterAll(async () => {
  await processes.stopAll()
  database.close()
})

test('two processes reserving at once never sell more than the stock', async () => {
  const productId = unique('product')
  await setStock(database.db, productId, STOCK)
  const startAt = String(Date.now() + 1500)
  const workers = ['a', 'b'].map((name) =>
    processes.spawn(
      [
        'bun',
        'test/services/inventory/reserve-worker.ts',
        database.url,
        productId,
        String(ORDERS_EACH),
        startAt,
        `order-${name}`,
      ],
      {},
    ),
  )
  const counts = await Promise.all(
    workers.map(async ({ proc, output }) => {
      expect(await proc.exited).toBe(0)
      const last = output().trim().split('\n').at(-1) ?? ''
      return JSON.parse(last) as { reserved: number; refused: number }
    }),
  )
  const sold = counts.reduce((n, c) => n + c.reserved, 0)
  // Demand (100) is above the stock, so everything is sold, and not one unit more; each process
  // alone could take 50, so the other's refusals come from its rival's reservations.
  expect(sold).toBe(STOCK)
  expect(counts.every((c) => c.reserved + c.refused === ORDERS_EACH)).toBe(true)
  expect(await stockOf(database.db, productId)).toEqual({
    productId,
    available: 0,
    reserved: STOCK,
  })
  const held = (
    await Promise.all(
      ['a', 'b'].flatMap((name) =>
        Array.from({ length: ORDERS_EACH }, (_, i) =>
          reservationsOf(database.db, `order-${name}-${i}`),
        ),
      ),
    )
  ).flat()
  expect(held.filter((r) => r.status === 'held')).toHaveLength(STOCK)
})
