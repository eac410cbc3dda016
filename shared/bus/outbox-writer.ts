import type { Client, InStatement } from '@libsql/client'
import type { EventEnvelope } from '../events/envelope.ts'
import { wakeRelays } from './commit.ts'

/** Events per transaction at most; the rest wait for the next one, so no commit grows unbounded. */
const MAX_GROUP_EVENTS = 10_000
// One short statement for any number of rows: they travel as one JSON array and SQLite unpacks
// them, in order, so `seq` follows acceptance. Preparing a multi-row VALUES statement (8 parameters
// a row) cost more than running it. `where true` binds the ON CONFLICT to the INSERT.
const INSERT_SQL = `insert into outbox (event_id, topic, key, type, source, time, data, created_at)
  select value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, ?
  from json_each(?) where true
  on conflict(event_id) do nothing`

interface PendingAppend {
  /** The append's events as the JSON array of outbox rows the INSERT unpacks. */
  rows: string
  /** The events' ids, in order: to tell which were new when some were already known. */
  ids: string[]
  count: number
  resolve: (added: number) => void
  reject: (error: unknown) => void
}

const insert = (now: number, rows: string): InStatement => ({ sql: INSERT_SQL, args: [now, rows] })

// `[[a],[b]]` and `[[c]]` make `[[a],[b],[c]]`: no parsing, the rows are already JSON.
const joinRows = (group: PendingAppend[]) =>
  group.length === 1
    ? (group[0]?.rows as string)
    : `[${group.map((p) => p.rows.slice(1, -1)).join(',')}]`

/** Takes whole appends from the front of the queue up to the group's event budget (at least one). */
function takeGroup(queue: PendingAppend[]): PendingAppend[] {
  let events = 0
  let n = 0
  while (n < queue.length) {
    events += queue[n]?.count ?? 0
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
 * Why the commit waits for `setImmediate`: the embedded libSQL client runs a whole batch, fsync
 * included, synchronously on the event loop. Committing as soon as the first request appends
 * means no other request can ever arrive "while a write is in flight", and group commit degenerates
 * into one transaction per request. Deferring to the check phase lets Bun hand us every request it
 * has already read first; with a libSQL server the write is truly asynchronous, and appends made
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
    const rows = JSON.stringify(
      events.map((e) => [e.id, e.topic, e.key, e.type, e.source, e.time, JSON.stringify(e.data)]),
    )
    const ids = events.map((e) => e.id)
    this.#queue.push({ rows, ids, count: events.length, resolve, reject })
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
      const now = Date.now()
      try {
        const added = await this.#write(group, now)
        for (const [i, p] of group.entries()) p.resolve(added[i] ?? 0)
        wakeRelays()
      } catch (error) {
        // Every append was validated, so a failure is the database's; still, one request must not
        // fail the others it happened to share a transaction with: retry each alone.
        if (group.length === 1) group[0]?.reject(error)
        else await this.#writeEachAlone(group, now)
      }
    } finally {
      this.#writing = false
      this.#schedule()
    }
  }

  async #writeEachAlone(group: PendingAppend[], now: number): Promise<void> {
    for (const p of group) {
      try {
        const [added] = await this.#write([p], now)
        p.resolve(added ?? 0)
        wakeRelays()
      } catch (error) {
        p.reject(error)
      }
    }
  }

  /**
   * One statement for the whole group: SQLite runs a lone INSERT as its own transaction, so the
   * group is all or nothing without a BEGIN and a COMMIT around it (each its own prepare and step).
   * Resolves with how many events of each append were new.
   */
  async #write(group: PendingAppend[], now: number): Promise<number[]> {
    const total = group.reduce((n, p) => n + p.count, 0)
    const result = await this.#client.execute(insert(now, joinRows(group)))
    if (result.rowsAffected === total) return group.map((p) => p.count)
    if (result.rowsAffected === 0) return group.map(() => 0)
    return this.#creditNewRows(group, result.rowsAffected, Number(result.lastInsertRowid))
  }

  /**
   * Some ids were already known (a client retrying): which appends' events were new? The statement
   * held the write lock throughout, so the rows it inserted are the last `added` rows up to
   * `lastSeq` (not always consecutive seqs: a skipped row may use one up). Each new id is credited
   * to the first append carrying it.
   */
  async #creditNewRows(group: PendingAppend[], added: number, lastSeq: number): Promise<number[]> {
    const rs = await this.#client.execute({
      sql: 'select event_id from outbox where seq <= ? order by seq desc limit ?',
      args: [lastSeq, added],
    })
    const inserted = new Set(rs.rows.map((r) => String(r.event_id)))
    return group.map((p) => {
      let n = 0
      for (const id of p.ids) if (inserted.delete(id)) n++
      return n
    })
  }
}
