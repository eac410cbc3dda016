import type { Client, InStatement } from '@libsql/client'
import type { EventEnvelope } from '../events/envelope.ts'

/** Rows per INSERT: one multi-row statement costs far less than many single-row ones. */
const INSERT_CHUNK = 100
/** Events per transaction at most; the rest wait for the next one, so no commit grows unbounded. */
const MAX_GROUP_EVENTS = 10_000
const COLUMNS = [
  'event_id',
  'topic',
  'key',
  'type',
  'source',
  'time',
  'data',
  'created_at',
] as const
const ROW = `(${COLUMNS.map(() => '?').join(',')})`
const insertSql = (rows: number) =>
  `insert into outbox (${COLUMNS.join(',')}) values ${Array.from({ length: rows }, () => ROW).join(',')} on conflict(event_id) do nothing`
const FULL_CHUNK_SQL = insertSql(INSERT_CHUNK)

/** The INSERT statements for events, 100 rows each; a repeated event id is ignored. */
function insertStatements(events: EventEnvelope[], now: number): InStatement[] {
  const statements: InStatement[] = []
  for (let i = 0; i < events.length; i += INSERT_CHUNK) {
    const chunk = events.slice(i, i + INSERT_CHUNK)
    const args: (string | number | null)[] = []
    for (const e of chunk)
      args.push(e.id, e.topic, e.key, e.type, e.source, e.time, JSON.stringify(e.data), now)
    statements.push({
      sql: chunk.length === INSERT_CHUNK ? FULL_CHUNK_SQL : insertSql(chunk.length),
      args,
    })
  }
  return statements
}

interface PendingAppend {
  events: EventEnvelope[]
  resolve: (added: number) => void
  reject: (error: unknown) => void
}

/** Takes whole appends from the front of the queue up to the group's event budget (at least one). */
function takeGroup(queue: PendingAppend[]): PendingAppend[] {
  let events = 0
  let n = 0
  while (n < queue.length) {
    events += queue[n]?.events.length ?? 0
    if (n > 0 && events > MAX_GROUP_EVENTS) break
    n++
  }
  return queue.splice(0, n)
}

/**
 * Appends events that change no other state (the ingest endpoints) with group commit: every append
 * made while the event loop works through one round of I/O shares one transaction, so one fsync
 * serves all the requests that arrived together.
 *
 * Why the commit waits for `setImmediate`: the embedded libSQL client runs a whole batch,
 * fsync included, synchronously on the event loop. Committing as soon as the first request appends
 * means no other request can ever arrive "while a write is in flight", and group commit degenerates
 * into one transaction per request. Deferring to the check phase lets Bun hand us every request it
 * has already read first; with a libSQL server the write is truly asynchronous and appends made
 * during it queue for the next group.
 */
export class OutboxWriter {
  readonly #client: Client
  #queue: PendingAppend[] = []
  #scheduled = false
  #writing = false

  constructor(client: Client) {
    this.#client = client
  }

  /** Resolves with how many of the events were new, once they are committed. */
  append(events: EventEnvelope[]): Promise<number> {
    if (events.length === 0) return Promise.resolve(0)
    const { promise, resolve, reject } = Promise.withResolvers<number>()
    this.#queue.push({ events, resolve, reject })
    this.#schedule()
    return promise
  }

  #schedule(): void {
    if (this.#scheduled || this.#writing || this.#queue.length === 0) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      void this.#flush()
    })
  }

  async #flush(): Promise<void> {
    this.#writing = true
    try {
      const group = takeGroup(this.#queue)
      try {
        const added = await this.#write(group)
        for (const [i, p] of group.entries()) p.resolve(added[i] ?? 0)
      } catch (error) {
        // Every append was validated, so a failure is the database's; still, one request must not
        // fail the others it happened to share a transaction with: retry each alone.
        if (group.length === 1) group[0]?.reject(error)
        else await this.#writeEachAlone(group)
      }
    } finally {
      this.#writing = false
      this.#schedule()
    }
  }

  async #writeEachAlone(group: PendingAppend[]): Promise<void> {
    for (const p of group) {
      try {
        const [added] = await this.#write([p])
        p.resolve(added ?? 0)
      } catch (error) {
        p.reject(error)
      }
    }
  }

  /** One transaction for the whole group; resolves with how many events of each append were new. */
  async #write(group: PendingAppend[]): Promise<number[]> {
    const now = Date.now()
    const events = group.flatMap((p) => p.events)
    // Multi-row INSERTs mix appends, so their row counts say how many events were new but not
    // whose. Nearly always all are; when some id was already known, undo and write once more with
    // one statement per append. (Not RETURNING: under load a RETURNING statement in a libSQL batch
    // was seen to stay "in progress", and every later COMMIT on that connection then failed.)
    const tx = await this.#client.transaction('write')
    try {
      const results = await tx.batch(insertStatements(events, now))
      if (results.reduce((n, r) => n + r.rowsAffected, 0) === events.length) {
        await tx.commit()
        return group.map((p) => p.events.length)
      }
      await tx.rollback()
    } finally {
      tx.close()
    }
    const perAppend = group.map((p) => insertStatements(p.events, now))
    const results = await this.#client.batch(perAppend.flat(), 'write')
    let i = 0
    return perAppend.map((statements) => {
      const added = results.slice(i, i + statements.length).reduce((n, r) => n + r.rowsAffected, 0)
      i += statements.length
      return added
    })
  }
}
