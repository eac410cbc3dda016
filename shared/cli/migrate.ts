// `bun run migrate`: applies the SQL migrations in migrations/ to DATABASE_URL.
import { config } from '../config/index.ts'
import { openMigratedDatabase } from '../db/client.ts'

const database = await openMigratedDatabase(config.DATABASE_URL, config.DATABASE_AUTH_TOKEN)
const rows = await database.client.execute('select count(*) as n from __drizzle_migrations')
console.log(`${config.DATABASE_URL}: ${rows.rows[0]?.n} migration(s) applied`)
database.close()
