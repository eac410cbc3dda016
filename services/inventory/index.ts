// The inventory context's public face: what web/ and other services may use.

export {
  availableStock,
  type ReservationResult,
  reservationsOf,
  type StockLevel,
  type StockLine,
  type StockReservation,
  stockOf,
} from './inventory.ts'

import { inventoryCommands } from './consumers/inventory-events.ts'
import { productStockChanged } from './consumers/product-events.ts'

/** What the inventory context consumes; `bun run dev` and `bun services/inventory/main.ts` start them. */
export const consumers = [productStockChanged, inventoryCommands]
