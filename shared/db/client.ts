import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { type Client, createClient } from '@libsql/client'
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql'
import { migrate } from 'drizzle-orm/libsql/migrator'
import * as schema from './schema.ts'

export type Db = LibSQLDatabase<typeof schema> & { $client: Client }

export interface Database {
  db: Db
  client: Client
  url: string
  close(): void
}

const MIGRATIONS = resolve(import.meta.dir, '../../migrations')

const BUSY_GIVE_UP_MS = 10_000
// Short enough that a write waiting on a transaction that awaits I/O freezes nothing for long.
const BUSY_WAIT_MS = 5

function isBusy(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code ?? ''
  return code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_')
}

/**
 * SQLite's busy timeout waits synchronously, which freezes the event loop; and while it waits,
 * the transaction holding the lock (awaiting I/O on this same loop) can never finish. So the
 * connections wait only briefly (BUSY_WAIT_MS) and a call still busy is retried here,
 * asynchronously, giving the loop back in between.
 */
function retryWhenBusy(client: Client): Client {
  const retrying =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const started = Date.now()
      for (let attempt = 0; ; attempt++) {
        try {
          return await call(...args)
        } catch (error) {
          if (!isBusy(error) || Date.now() - started > BUSY_GIVE_UP_MS) throw error
          await Bun.sleep(Math.min(50, 1 + attempt * 2))
        }
      }
    }
  const wrapped = {
    execute: retrying(client.execute.bind(client)),
    batch: retrying(client.batch.bind(client)),
    migrate: retrying(client.migrate.bind(client)),
    transaction: retrying(client.transaction.bind(client)),
    executeMultiple: retrying(client.executeMultiple.bind(client)),
  }
  return new Proxy(client, {
    get(target, property, receiver) {
      if (Object.hasOwn(wrapped, property)) return wrapped[property as keyof typeof wrapped]
      const value = Reflect.get(target, property, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

/**
 * Opens the database: an embedded file (`file:path`) or a libSQL server by URL. WAL is persistent
 * in the file; busy writes are retried without blocking the event loop (see `retryWhenBusy`).
 */
export async function openDatabase(url: string, authToken?: string): Promise<Database> {
  const isFile = url.startsWith('file:')
  if (isFile) mkdirSync(dirname(resolve(url.slice('file:'.length))), { recursive: true })
  const raw = createClient({ url, authToken, timeout: BUSY_WAIT_MS })
  const client = isFile ? retryWhenBusy(raw) : raw
  if (isFile) await client.execute('PRAGMA journal_mode=WAL')
  const db = drizzle(client, { schema })
  return { db, client, url, close: () => client.close() }
}

/** Applies the migrations in `migrations/` that the database has not seen yet. */
export async function migrateDatabase(database: Database): Promise<void> {
  await migrate(database.db, { migrationsFolder: MIGRATIONS })
}

/** Opens and migrates: what every process does at start-up. */
export async function openMigratedDatabase(url: string, authToken?: string): Promise<Database> {
  const database = await openDatabase(url, authToken)
  await migrateDatabase(database)
  return database
}
