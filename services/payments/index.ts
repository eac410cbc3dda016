// The payments context's public face: what checkout, the saga's tests and the admin may use.
import type { Config } from '../../shared/config/index.ts'
import type { ConsumerDefinition } from '../../shared/consumers/define.ts'
import { paymentCommands } from './consumers/payment-events.ts'
import { PaymentProvider } from './provider.ts'

export { PAYMENTS_GROUP } from './consumers/payment-events.ts'
export { paymentCounts, paymentOf } from './payments.ts'
export {
  type AuthorizationResult,
  cardLast4,
  DECLINES,
  type DeclineReason,
  PaymentProvider,
  type ProviderOptions,
  tokenizeCard,
} from './provider.ts'
export type { Payment, PaymentStatus } from './schema.ts'

/** The consumers of the payments context, calling `provider` (a test passes its own). */
export function paymentConsumers(provider: PaymentProvider): ConsumerDefinition[] {
  return [paymentCommands(provider)]
}

/**
 * What the payments context consumes, with the provider the configuration describes;
 * `bun run dev` and `bun services/payments/main.ts` start them.
 */
export function consumers(
  config: Pick<Config, 'PAYMENTS_FAILURE_RATE' | 'PAYMENTS_LATENCY_MS'>,
): ConsumerDefinition[] {
  const provider = new PaymentProvider({
    failureRate: config.PAYMENTS_FAILURE_RATE,
    latencyMs: config.PAYMENTS_LATENCY_MS,
  })
  return paymentConsumers(provider)
}
