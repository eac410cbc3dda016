import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import {
  type Client,
  createClient,
  type InStatement,
  type ResultSet,
  type Transaction,
} from '@libsql/client'
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql'
import { migrate } from 'drizzle-orm/libsql/migrator'
import {
  assertNotInsideOwnTransaction,
  inTransactionScope,
  markWriteLockHeld,
} from './transaction-scope.ts'

/**
 * The database as queries see it. It carries no table map (the shop uses no `db.query.*`
 * relational queries), so shared/ depends on no service's tables; each service imports its own.
 */
export type Db = LibSQLDatabase & { $client: Client }

/** An open transaction, as `db.transaction(async (tx) => …)` hands it over. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]

/** Where a write can go: the database (its own transaction) or an open transaction. */
export type Writer = Db | Tx

export interface Database {
  db: Db
  client: Client
  url: string
  close(): void
}

const MIGRATIONS = resolve(import.meta.dir, '../../migrations')

/** A FIFO async lock: holders run one at a time, waiters wait without blocking the event loop. */
class WriteLock {
  #tail: Promise<void> = Promise.resolve()

  async acquire(): Promise<() => void> {
    // Waiting here for our own transaction's lock would never end: fail loudly instead.
    assertNotInsideOwnTransaction()
    const previous = this.#tail
    const { promise, resolve } = Promise.withResolvers<void>()
    this.#tail = previous.then(() => promise)
    await previous
    return resolve
  }
}

const WRITE_SQL =
  /^\s*(insert|update|delete|replace|create|drop|alter|with|begin|pragma\s+\w+\s*=)/i

/**
 * SQLite's busy timeout waits synchronously, freezing the event loop; and if the lock's holder is
 * a transaction of this same process awaiting I/O, it can never finish: a deadlock. So every write
 * of this process takes an async lock first, and only waits synchronously for other processes or
 * threads (the relay's worker), whose writes are single short statements.
 *
 * Inside `db.transaction(...)` write through `tx`, never `db`: `db` would wait for the lock the
 * transaction holds.
 */
function serialiseWrites(client: Client): Client {
  const lock = new WriteLock()
  const locked =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const release = await lock.acquire()
      try {
        return await call(...args)
      } finally {
        release()
      }
    }
  const execute = client.execute.bind(client) as (...args: unknown[]) => Promise<ResultSet>
  const wrapped = {
    execute: (...args: unknown[]) => {
      const statement = args[0] as InStatement
      const text = typeof statement === 'string' ? statement : statement.sql
      return WRITE_SQL.test(text) ? locked(execute)(...args) : execute(...args)
    },
    batch: locked(client.batch.bind(client)),
    migrate: locked(client.migrate.bind(client)),
    executeMultiple: locked(client.executeMultiple.bind(client)),
    // A transaction holds the lock from BEGIN until it commits, rolls back or closes.
    transaction: async (...args: Parameters<Client['transaction']>): Promise<Transaction> => {
      const release = await lock.acquire()
      const unmark = markWriteLockHeld()
      try {
        const tx = await client.transaction(...args)
        let released = false
        const done = () => {
          if (!released) {
            released = true
            unmark()
            release()
          }
        }
        const commit = tx.commit.bind(tx)
        const rollback = tx.rollback.bind(tx)
        const close = tx.close.bind(tx)
        return Object.assign(tx, {
          commit: () => commit().finally(done),
          rollback: () => rollback().finally(done),
          close: () => {
            try {
              close()
            } finally {
              done()
            }
          },
        })
      } catch (error) {
        unmark()
        release()
        throw error
      }
    },
  }
  return new Proxy(client, {
    get(target, property, receiver) {
      if (Object.hasOwn(wrapped, property)) return wrapped[property as keyof typeof wrapped]
      const value = Reflect.get(target, property, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

/** When a commit returns: `full` once it survives a power cut, `normal` a crash of the process. */
export type Synchronous = 'full' | 'normal'

export interface OpenOptions {
  /** SQLite's `synchronous` on this client's connections (embedded files); default `full`. */
  synchronous?: Synchronous
}

// @libsql/client opens up to this many connections, lazily, and a PRAGMA holds for one connection
// only. Opening every one of them at once and setting the level on each leaves no connection
// committing at another level. (One the pool drops after an error comes back at SQLite's default,
// FULL: slower, never less durable.)
const CONNECTIONS = 8

/**
 * Opens the database: an embedded file (`file:path`) or a libSQL server by URL. WAL is persistent
 * in the file; this process's writes queue without blocking the event loop (see `serialiseWrites`).
 */
export async function openDatabase(
  url: string,
  authToken?: string,
  opts: OpenOptions = {},
): Promise<Database> {
  const isFile = url.startsWith('file:')
  if (isFile) mkdirSync(dirname(resolve(url.slice('file:'.length))), { recursive: true })
  const raw = createClient({ url, authToken, timeout: 10_000, concurrency: CONNECTIONS })
  if (isFile) {
    // Calls made in one tick each take a connection, so these open all of them.
    const synchronous = `PRAGMA synchronous=${opts.synchronous ?? 'full'}`
    await Promise.all(Array.from({ length: CONNECTIONS }, () => raw.execute(synchronous)))
  }
  const client = isFile ? serialiseWrites(raw) : raw
  if (isFile) await client.execute('PRAGMA journal_mode=WAL')
  const db = drizzle(client)
  // Every transaction runs in a scope of its own: a nested write through `db` fails at once
  // instead of deadlocking, and `afterCommit` hooks run once it has committed.
  const transaction = db.transaction.bind(db)
  db.transaction = ((...args: Parameters<Db['transaction']>) =>
    inTransactionScope(() => transaction(...args))) as Db['transaction']
  return { db, client, url, close: () => client.close() }
}

/** How often a migration that failed is tried again, in case another process was applying it. */
const MIGRATE_ATTEMPTS = 5

/**
 * Applies the migrations in `migrations/` that the database has not seen yet. Two processes that
 * start together on a new database both see nothing applied and both try; the loser's batch rolls
 * back ("table already exists"), and on its next try it finds the winner's work recorded.
 */
export async function migrateDatabase(database: Database): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await migrate(database.db, { migrationsFolder: MIGRATIONS })
      return
    } catch (error) {
      if (attempt >= MIGRATE_ATTEMPTS) throw error
      await Bun.sleep(100 * attempt)
    }
  }
}

/** Opens and migrates: what every process does at start-up. */
export async function openMigratedDatabase(
  url: string,
  authToken?: string,
  opts: OpenOptions = {},
): Promise<Database> {
  const database = await openDatabase(url, authToken, opts)
  await migrateDatabase(database)
  return database
}
