// Reserving and releasing stock through a real database file: the arithmetic, all-or-nothing
// orders, idempotent releases, and no overselling when many orders race for the last units.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { availableStock, reservationsOf, stockOf } from '../../../services/inventory/index.ts'
import {
  releaseStock,
  reserveStock,
  type StockLine,
  setStock,
} from '../../../services/inventory/inventory.ts'
import type { Database } from '../../../shared/db/client.ts'
import { tempDatabase, unique } from '../../helpers/broker.ts'

let database: Database
const reserve = (orderId: string, items: StockLine[]) =>
  database.db.transaction((tx) => reserveStock(tx, orderId, items))
const release = (orderId: string) => database.db.transaction((tx) => releaseStock(tx, orderId))

async function product(available: number): Promise<string> {
  const id = unique('product')
  await setStock(database.db, id, available)
  return id
}

beforeAll(async () => {
  database = await tempDatabase()
})

afterAll(() => database.close())

describe('reserveStock and releaseStock', () => {
  test('a reservation moves units from available to reserved, a release moves them back', async () => {
    const p = await product(10)
    const order = unique('order')
    expect(await reserve(order, [{ productId: p, quantity: 3 }])).toEqual({ ok: true })
    expect(await stockOf(database.db, p)).toEqual({ productId: p, available: 7, reserved: 3 })
    const [held] = await reservationsOf(database.db, order)
    expect(held).toMatchObject({ productId: p, quantity: 3, status: 'held', releasedAt: null })
    expect(await release(order)).toEqual([{ productId: p, quantity: 3 }])
    expect(await stockOf(database.db, p)).toEqual({ productId: p, available: 10, reserved: 0 })
    const [released] = await reservationsOf(database.db, order)
    expect(released?.status).toBe('released')
    expect(released?.releasedAt).toBeNumber()
  })

  test('an order whose second line is short reserves nothing at all', async () => {
    const [plenty, scarce] = [await product(5), await product(1)]
    const order = unique('order')
    const result = await reserve(order, [
      { productId: plenty, quantity: 2 },
      { productId: scarce, quantity: 2 },
    ])
    expect(result).toEqual({ ok: false, productId: scarce, reason: 'out_of_stock' })
    expect(await stockOf(database.db, plenty)).toEqual({
      productId: plenty,
      available: 5,
      reserved: 0,
    })
    expect(await stockOf(database.db, scarce)).toEqual({
      productId: scarce,
      available: 1,
      reserved: 0,
    })
    expect(await reservationsOf(database.db, order)).toEqual([])
  })

  test('a product inventory has never heard of is out of stock', async () => {
    const known = await product(5)
    const unknown = unique('unknown')
    const order = unique('order')
    expect(
      await reserve(order, [
        { productId: known, quantity: 1 },
        { productId: unknown, quantity: 1 },
      ]),
    ).toEqual({ ok: false, productId: unknown, reason: 'out_of_stock' })
    expect((await availableStock(database.db, [known, unknown])).has(unknown)).toBe(false)
    expect(await stockOf(database.db, known)).toMatchObject({ available: 5, reserved: 0 })
  })

  test('the last units can be reserved exactly, and two lines of one product count together', async () => {
    const p = await product(4)
    const order = unique('order')
    expect(
      await reserve(order, [
        { productId: p, quantity: 3 },
        { productId: p, quantity: 1 },
      ]),
    ).toEqual({ ok: true })
    expect(await stockOf(database.db, p)).toMatchObject({ available: 0, reserved: 4 })
    expect((await reserve(unique('order'), [{ productId: p, quantity: 1 }])).ok).toBe(false)
    expect(await reservationsOf(database.db, order)).toMatchObject([{ quantity: 4 }])
  })

  test('an order that already holds its stock does not take more', async () => {
    const p = await product(10)
    const order = unique('order')
    await reserve(order, [{ productId: p, quantity: 2 }])
    expect(await reserve(order, [{ productId: p, quantity: 2 }])).toEqual({ ok: true })
    expect(await stockOf(database.db, p)).toMatchObject({ available: 8, reserved: 2 })
  })

  test('releasing twice, or an order that holds nothing, changes nothing', async () => {
    const p = await product(6)
    const order = unique('order')
    await reserve(order, [{ productId: p, quantity: 4 }])
    await release(order)
    expect(await release(order)).toEqual([])
    expect(await release(unique('never-reserved'))).toEqual([])
    expect(await stockOf(database.db, p)).toEqual({ productId: p, available: 6, reserved: 0 })
  })

  test('a new count from the catalog replaces what is available and leaves what is held', async () => {
    const p = await product(10)
    await reserve(unique('order'), [{ productId: p, quantity: 3 }])
    await setStock(database.db, p, 20)
    expect(await stockOf(database.db, p)).toMatchObject({ available: 20, reserved: 3 })
    expect(await availableStock(database.db, [p])).toEqual(new Map([[p, 20]]))
  })
})

describe('under concurrency', () => {
  test('50 orders racing for 10 units: exactly 10 are reserved and stock never goes negative', async () => {
    const p = await product(10)
    const orders = Array.from({ length: 50 }, () => unique('order'))
    const results = await Promise.all(
      orders.map((o) => reserve(o, [{ productId: p, quantity: 1 }])),
    )
    expect(results.filter((r) => r.ok)).toHaveLength(10)
    expect(results.filter((r) => !r.ok)).toEqual(
      Array(40).fill({ ok: false, productId: p, reason: 'out_of_stock' }),
    )
    expect(await stockOf(database.db, p)).toEqual({ productId: p, available: 0, reserved: 10 })
    const held = (await Promise.all(orders.map((o) => reservationsOf(database.db, o)))).flat()
    expect(held.filter((r) => r.status === 'held')).toHaveLength(10)
  })

  test('reservations and releases interleaved keep available + reserved equal to the stock', async () => {
    const p = await product(5)
    const orders = Array.from({ length: 30 }, () => unique('order'))
    await Promise.all(
      orders.map(async (o, i) => {
        const result = await reserve(o, [{ productId: p, quantity: 1 + (i % 2) }])
        if (result.ok && i % 3 === 0) await release(o)
        const level = await stockOf(database.db, p)
        expect(level?.available).toBeGreaterThanOrEqual(0)
      }),
    )
    const level = await stockOf(database.db, p)
    const held = (await Promise.all(orders.map((o) => reservationsOf(database.db, o))))
      .flat()
      .filter((r) => r.status === 'held')
    expect(level?.reserved).toBe(held.reduce((n, r) => n + r.quantity, 0))
    expect((level?.available ?? -1) + (level?.reserved ?? -1)).toBe(5)
  })
})
