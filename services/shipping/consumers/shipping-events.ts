import { answerOnce, reply } from '../../../shared/consumers/commands.ts'
import { defineConsumer } from '../../../shared/consumers/define.ts'
import type { Carrier } from '../carrier.ts'
import { cancelShipment, createShipment } from '../shipping.ts'

const SOURCE = '/streamshop/shipping'

/**
 * The saga's shipping commands: book a parcel with the carrier and record the shipment, or cancel
 * it when the saga compensates. Each command is applied once (`answerOnce`): a retry of it, under
 * another event id, gets the first answer again.
 */
export function shippingEvents(carrier: Carrier) {
  return defineConsumer({
    group: 'shipping',
    topic: 'shipping-events',
    types: ['shipment.creation_requested', 'shipment.cancellation_requested'],
    // No schema of its own: each command is held to its type's schema in the catalog, so a
    // creation without an address is refused (DLQ), not taken for a cancellation.
    // The carrier takes a while: it is asked before the transaction takes the write lock. It
    // answers the same order the same way every time, so asking again on a retry is harmless.
    async prepare(event, signal) {
      if (event.type !== 'shipment.creation_requested') return null
      const { orderId, address, items } = event.data
      return carrier.book({ key: orderId, address, items }, signal)
    },
    async handle(event, ctx) {
      const { orderId, correlationId, commandId } = event.data
      const command = { participant: 'shipping', source: SOURCE, orderId, commandId }
      const ref = { orderId, correlationId, commandId }
      if (event.type === 'shipment.cancellation_requested') {
        await answerOnce(ctx, command, async () => {
          await cancelShipment(ctx.tx, orderId)
          return reply('shipment.cancelled', ref)
        })
        return
      }
      const { userId, address, items } = event.data
      const booking = ctx.prepared
      if (!booking) throw new Error('A shipment creation was handled without a booking')
      await answerOnce(ctx, command, async () => {
        if (!booking.ok) {
          const { reason, message } = booking
          return reply('shipment.failed', { ...ref, reason, message })
        }
        const shipment = await createShipment(ctx.tx, {
          id: booking.trackingId,
          orderId,
          userId,
          address,
          items,
        })
        return reply('shipment.created', { ...ref, shipmentId: shipment.id })
      })
    },
  })
}
