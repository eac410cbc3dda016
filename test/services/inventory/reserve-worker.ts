// One of the processes of processes.test.ts: opens the database file the test gave it and, at the
// agreed moment, reserves one unit of the product for each of its orders, all at once. Prints how
// many were reserved and refused as JSON on its last line.
// Usage: bun test/services/inventory/reserve-worker.ts <database url> <product id> <orders> <start at ms> <prefix>
import { reserveStock } from '../../../services/inventory/inventory.ts'
import { openMigratedDatabase } from '../../../shared/db/client.ts'

const [url, productId, orders, startAt, prefix] = process.argv.slice(2)
if (!url || !productId || !orders || !startAt || !prefix) throw new Error('usage: see the header')

const database = await openMigratedDatabase(url)
// Both processes open (and check the migrations) first, then start together.
await Bun.sleep(Math.max(0, Number(startAt) - Date.now()))
const results = await Promise.all(
  Array.from({ length: Number(orders) }, (_, i) =>
    database.db.transaction((tx) =>
      reserveStock(tx, `${prefix}-${i}`, [{ productId, quantity: 1 }]),
    ),
  ),
)
database.close()
const reserved = results.filter((r) => r.ok).length
console.log(JSON.stringify({ reserved, refused: results.length - reserved }))
