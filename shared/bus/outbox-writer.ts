import type { Client, InStatement } from '@libsql/client'
import type { EventEnvelope } from '../events/envelope.ts'

/** Rows per INSERT: one multi-row statement costs far less than many single-row ones. */
const INSERT_CHUNK = 100
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
function insertStatements(events: EventEnvelope[], now = Date.now()): InStatement[] {
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

/**
 * Appends events that change no other state (the ingest endpoints) with group commit: requests
 * arriving while a write is in flight share the next transaction, so one fsync serves many.
 */
export class OutboxWriter {
  readonly #client: Client
  #queue: PendingAppend[] = []
  #flushing = false

  constructor(client: Client) {
    this.#client = client
  }

  /** Resolves with how many of the events were new, once they are committed. */
  append(events: EventEnvelope[]): Promise<number> {
    if (events.length === 0) return Promise.resolve(0)
    const { promise, resolve, reject } = Promise.withResolvers<number>()
    this.#queue.push({ events, resolve, reject })
    if (!this.#flushing) void this.#flush()
    return promise
  }

  async #flush(): Promise<void> {
    this.#flushing = true
    while (this.#queue.length > 0) {
      const group = this.#queue
      this.#queue = []
      const now = Date.now()
      const perRequest = group.map((p) => insertStatements(p.events, now))
      try {
        const results = await this.#client.batch(perRequest.flat(), 'write')
        let i = 0
        for (const [n, p] of group.entries()) {
          const count = perRequest[n]?.length ?? 0
          p.resolve(results.slice(i, i + count).reduce((sum, r) => sum + r.rowsAffected, 0))
          i += count
        }
      } catch (error) {
        for (const p of group) p.reject(error)
      }
    }
    this.#flushing = false
  }
}
