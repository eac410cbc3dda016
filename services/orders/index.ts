// The orders context's public face: what web/ and other services may use.

import type { Config } from '../../shared/config/index.ts'
import type { ConsumerDefinition } from '../../shared/consumers/define.ts'
import type { Db } from '../../shared/db/client.ts'
import { inventoryAnswers } from './consumers/inventory-events.ts'
import { paymentAnswers } from './consumers/payment-events.ts'
import { shippingAnswers } from './consumers/shipping-events.ts'
import type { SagaSettings } from './saga.ts'
import { SagaDeadlines } from './saga-deadlines.ts'

export {
  type CheckoutInput,
  checkoutSchema,
  EmptyCartError,
  getOrder,
  hasBought,
  IdempotencyKeyReusedError,
  listOrders,
  type OrderRequest,
  OrdersBusyError,
  orderRequestSchema,
  placeOrder,
} from './orders.ts'
export { idempotencyKeySchema, orderRoutes, orderView } from './routes.ts'
export type { SagaSettings } from './saga.ts'
export { SagaDeadlines } from './saga-deadlines.ts'
export {
  type DurationFigures,
  listSagas,
  SAGA_PROGRESS,
  type SagaListItem,
  type SagaOverview,
  type SagaProgress,
  type SagaRange,
  sagaOverview,
  sagaTimeline,
  type TimelineEntry,
} from './saga-queries.ts'
export { followOrder, sagaOf } from './saga-store.ts'
export type { Order, OrderItem, OrderSaga, OrderStep, ShippingAddress } from './schema.ts'

/** The saga's timing, from the environment (`SAGA_*`). */
export function sagaSettings(config: Config): SagaSettings {
  return {
    stepTimeoutMs: config.SAGA_STEP_TIMEOUT_MS,
    stepAttempts: config.SAGA_STEP_ATTEMPTS,
    retryBackoffMs: config.SAGA_RETRY_BACKOFF_MS,
    maxInFlight: config.SAGA_MAX_IN_FLIGHT,
  }
}

/** The orchestrator's consumers: the participants' answers, a group per topic. */
export function orderConsumers(config: Config): ConsumerDefinition[] {
  const settings = sagaSettings(config)
  return [paymentAnswers(settings), inventoryAnswers(settings), shippingAnswers(settings)]
}

/** Starts the orchestrator's durable timeouts; stop it before closing the database. */
export function startSagaDeadlines(db: Db, config: Config): SagaDeadlines {
  const deadlines = new SagaDeadlines(db, sagaSettings(config), config.SAGA_TIMEOUT_POLL_MS)
  deadlines.start()
  return deadlines
}
