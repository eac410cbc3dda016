import { and, eq } from 'drizzle-orm'
import { commandReplies } from '../bus/schema.ts'
import { createEvent } from '../events/envelope.ts'
import type { EventData, EventType } from '../events/types.ts'
import type { ConsumerContext } from './define.ts'

/** A participant's answer to a command: an event type and its data. */
export interface CommandReply<T extends EventType = EventType> {
  type: T
  data: EventData<T>
}

/** Builds a reply with its type checked against its data. */
export function reply<T extends EventType>(type: T, data: EventData<T>): CommandReply<T> {
  return { type, data }
}

/**
 * Applies a saga command at most once per participant and emits its answer. The command's id is the
 * same on every retry of it, so a retry (or the same command redelivered under another event id)
 * gets the first answer again, and `apply` — which writes through `ctx.tx` — runs only the first
 * time. The answer is recorded in the same transaction as the effect.
 *
 * @example
 * await answerOnce(ctx, { participant: 'payments', source, orderId, commandId }, async () => {
 *   … ctx.tx writes …
 *   return reply('payment.voided', { orderId, correlationId, commandId })
 * })
 */
export async function answerOnce(
  ctx: ConsumerContext<unknown>,
  command: { participant: string; source: string; orderId: string; commandId: string },
  apply: () => Promise<CommandReply>,
): Promise<{ reply: CommandReply; repeated: boolean }> {
  const [earlier] = await ctx.tx
    .select()
    .from(commandReplies)
    .where(
      and(
        eq(commandReplies.participant, command.participant),
        eq(commandReplies.commandId, command.commandId),
      ),
    )
  if (earlier) {
    const again = { type: earlier.replyType, data: earlier.replyData } as CommandReply
    ctx.emit(createEvent(again.type, again.data, { source: command.source }))
    return { reply: again, repeated: true }
  }
  const answer = await apply()
  await ctx.tx.insert(commandReplies).values({
    participant: command.participant,
    commandId: command.commandId,
    orderId: command.orderId,
    replyType: answer.type,
    replyData: answer.data as Record<string, unknown>,
    appliedAt: Date.now(),
  })
  ctx.emit(createEvent(answer.type, answer.data, { source: command.source }))
  return { reply: answer, repeated: false }
}
