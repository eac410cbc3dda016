import type { BatchItem } from 'drizzle-orm/batch'
import type { Db, Writer } from '../db/client.ts'
import { afterCommit } from '../db/transaction-scope.ts'
import type { EventEnvelope } from '../events/envelope.ts'
import { outboxInserts } from './outbox.ts'

const listeners = new Set<() => void>()

/**
 * Calls `wake` at once, then at most once per `everyMs` while calls keep coming close together.
 * For the relay's wake-up: under load it then publishes (and moves its cursor, a commit that holds
 * the write lock the ingest requests need) in batches of many commits instead of once per commit;
 * at a light pace (calls a quarter of the window or more apart) every call wakes it at once, so a
 * lone event is not held back for a batch that is not coming.
 */
export function throttled(wake: () => void, everyMs: number): () => void {
  let last = Number.NEGATIVE_INFINITY
  let lastCall = Number.NEGATIVE_INFINITY
  let timer: ReturnType<typeof setTimeout> | null = null
  return () => {
    const now = performance.now()
    const light = now - lastCall >= everyMs / 4
    lastCall = now
    if (timer) return
    const wait = last + everyMs - now
    if (wait <= 0 || light) {
      last = now
      wake()
      return
    }
    timer = setTimeout(() => {
      timer = null
      last = performance.now()
      wake()
    }, wait)
  }
}

/** Calls `listener` after every commit of this process that put events in an outbox (the relay's wake-up). */
export function onEventsCommitted(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** Tells the relays of this process that committed events are waiting. */
export function wakeRelays(): void {
  for (const listener of listeners) listener()
}

/** Statements and the events they cause, for another module to commit along with its own. */
export interface Change {
  statements: (w: Writer) => BatchItem<'sqlite'>[]
  events: EventEnvelope[]
}

function isTransaction(w: Writer): boolean {
  return !('$client' in w)
}

/**
 * The one way to change state and emit the events it causes: both commit or neither does, and the
 * relay is woken once they are visible. `change` builds its statements on the writer it is given,
 * so inside a transaction (a consumer's `ctx.tx`) nothing can slip out through `db`.
 *
 * @example
 * await commit(db, (w) => [w.insert(carts).values(line)], [cartEvent('cart.item_added', …)])
 */
export async function commit(
  w: Writer,
  change: (w: Writer) => BatchItem<'sqlite'>[],
  events: EventEnvelope[],
): Promise<void> {
  const statements = [...change(w), ...outboxInserts(w, events)]
  const [first, ...rest] = statements
  if (!first) return
  if (isTransaction(w)) {
    for (const statement of statements) await statement
  } else {
    await (w as Db).batch([first, ...rest])
  }
  if (events.length > 0) afterCommit(wakeRelays)
}
