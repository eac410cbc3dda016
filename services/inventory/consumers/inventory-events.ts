import { answerOnce, reply } from '../../../shared/consumers/commands.ts'
import { defineConsumer } from '../../../shared/consumers/define.ts'
import { releaseStock, reserveStock } from '../inventory.ts'

export const SOURCE = '/streamshop/inventory'
const PARTICIPANT = 'inventory'

/**
 * The orchestrator's commands to inventory: hold an order's items, or give a cancelled order's back.
 * Each is applied once per command id, in the transaction that records the answer, so a retried
 * command gets the first answer again and never moves stock twice.
 */
export const inventoryCommands = defineConsumer({
  group: 'inventory-commands',
  topic: 'inventory-events',
  types: ['inventory.reservation_requested', 'inventory.release_requested'],
  async handle(event, ctx) {
    const { orderId, correlationId, commandId } = event.data
    const command = { participant: PARTICIPANT, source: SOURCE, orderId, commandId }
    const ref = { orderId, correlationId, commandId }
    if (event.type === 'inventory.release_requested') {
      await answerOnce(ctx, command, async () => {
        await releaseStock(ctx.tx, orderId)
        return reply('inventory.released', ref)
      })
      return
    }
    const { items } = event.data
    await answerOnce(ctx, command, async () => {
      const result = await reserveStock(ctx.tx, orderId, items)
      if (result.ok) return reply('inventory.reserved', { ...ref, items })
      return reply('inventory.reservation_failed', {
        ...ref,
        reason: result.reason,
        message: 'One of the items is out of stock.',
        productId: result.productId,
      })
    })
  },
})
