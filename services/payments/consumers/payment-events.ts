// The saga's payment commands: the provider is asked first, outside the transaction (its latency
// must not hold the write lock), then the answer is applied and replied to once per command.
import { answerOnce, type CommandReply } from '../../../shared/consumers/commands.ts'
import { type CatalogEvent, defineConsumer } from '../../../shared/consumers/define.ts'
import type { Tx } from '../../../shared/db/client.ts'
import { authorizePayment, capturePayment, refundPayment, voidPayment } from '../payments.ts'
import type { AuthorizationResult, PaymentProvider } from '../provider.ts'

const SOURCE = '/streamshop/payments'

/** The consumer group of the payments service on `payment-events`. */
export const PAYMENTS_GROUP = 'payments'

const COMMAND_TYPES = [
  'payment.authorization_requested',
  'payment.capture_requested',
  'payment.void_requested',
  'payment.refund_requested',
] as const
type CommandType = (typeof COMMAND_TYPES)[number]

/** A command, its data checked against its own type's schema by the runner. */
type PaymentCommand = CatalogEvent<CommandType>

interface Prepared {
  command: PaymentCommand
  /** The provider's answer, for an authorization. */
  authorization?: AuthorizationResult
}

function apply(tx: Tx, { command, authorization }: Prepared): Promise<CommandReply> {
  switch (command.type) {
    case 'payment.authorization_requested':
      if (!authorization) throw new Error('An authorization was applied without its answer')
      return authorizePayment(tx, command.data, authorization)
    case 'payment.capture_requested':
      return capturePayment(tx, command.data)
    case 'payment.void_requested':
      return voidPayment(tx, command.data)
    case 'payment.refund_requested':
      return refundPayment(tx, command.data)
  }
}

/**
 * The payments service's consumer of `payment-events`, calling `provider`. A command redelivered or
 * retried asks the provider again — it answers a key as it did the first time — and is applied
 * once (`answerOnce`): a repeat is answered with the first reply.
 */
export function paymentCommands(provider: PaymentProvider) {
  return defineConsumer({
    group: PAYMENTS_GROUP,
    topic: 'payment-events',
    types: COMMAND_TYPES,
    async prepare(command, signal): Promise<Prepared> {
      const key = command.data.commandId
      switch (command.type) {
        case 'payment.authorization_requested': {
          const { cardToken: token, amountMinor, currency } = command.data
          const call = { key, token, amountMinor, currency }
          return { command, authorization: await provider.authorize(call, signal) }
        }
        case 'payment.capture_requested':
          await provider.capture({ key }, signal)
          break
        case 'payment.void_requested':
          await provider.void({ key }, signal)
          break
        case 'payment.refund_requested':
          await provider.refund({ key }, signal)
          break
      }
      return { command }
    },
    async handle(_event, ctx) {
      const { orderId, commandId } = ctx.prepared.command.data
      const command = { participant: 'payments', source: SOURCE, orderId, commandId }
      await answerOnce(ctx, command, () => apply(ctx.tx, ctx.prepared))
    },
  })
}
