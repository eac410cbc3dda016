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

/**
 * Opens the database: an embedded file (`file:path`) or a libSQL server by URL.
 * WAL is persistent in the file; the busy timeout is given to every pooled connection.
 */
export async function openDatabase(url: string, authToken?: string): Promise<Database> {
  if (url.startsWith('file:'))
    mkdirSync(dirname(resolve(url.slice('file:'.length))), { recursive: true })
  const client = createClient({ url, authToken, timeout: 10_000 })
  if (url.startsWith('file:')) await client.execute('PRAGMA journal_mode=WAL')
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
