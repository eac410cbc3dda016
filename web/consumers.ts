// Every consumer of the shop, from each service's public face: what `bun run dev` starts.
import { consumers as carts } from '../services/carts/index.ts'
import type { ConsumerDefinition } from '../shared/consumers/define.ts'

export const shopConsumers: readonly ConsumerDefinition[] = [...carts]
