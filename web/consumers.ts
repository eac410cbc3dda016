// Every consumer of the shop, from each service's public face: what `bun run dev` starts.
import { consumers as analytics } from '../services/analytics/index.ts'
import { consumers as carts } from '../services/carts/index.ts'
import { consumers as inventory } from '../services/inventory/index.ts'
import { consumers as notifications } from '../services/notifications/index.ts'
import { orderConsumers } from '../services/orders/index.ts'
import { consumers as payments } from '../services/payments/index.ts'
import { consumers as shipping } from '../services/shipping/index.ts'
import type { Config } from '../shared/config/index.ts'
import type { ConsumerDefinition } from '../shared/consumers/define.ts'

/**
 * The shop's consumers: carts, the order saga's orchestrator and participants, notifications and
 * the analytics roll-ups.
 */
export function shopConsumers(config: Config): ConsumerDefinition[] {
  return [
    ...carts,
    ...orderConsumers(config),
    ...payments(config),
    ...inventory,
    ...shipping(config),
    ...notifications,
    ...analytics(config),
  ]
}
