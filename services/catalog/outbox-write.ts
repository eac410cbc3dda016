import type { BatchItem } from 'drizzle-orm/batch'
import { outboxInserts } from '../../shared/bus/outbox.ts'
import type { Db } from '../../shared/db/client.ts'
import { type ConstraintViolation, constraintViolation } from '../../shared/db/constraints.ts'
import type { EventEnvelope } from '../../shared/events/envelope.ts'

/** The CloudEvents `source` of everything the catalog emits. */
export const CATALOG_SOURCE = '/streamshop/catalog'

/**
 * Commits a state change and the events it causes in one `db.batch` (one transaction), so an
 * event is published exactly when its change happened. A broken constraint becomes the error
 * `explain` returns for it; anything else is rethrown as it came.
 */
export async function commitWithEvents(
  db: Db,
  change: [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]],
  events: EventEnvelope[],
  explain: (violation: ConstraintViolation) => Error | undefined = () => undefined,
): Promise<void> {
  try {
    await db.batch([...change, ...outboxInserts(db, events)])
  } catch (error) {
    const violation = constraintViolation(error)
    throw (violation && explain(violation)) ?? error
  }
}
