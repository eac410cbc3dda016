// `bun run seed`: loads the deterministic demo data into DATABASE_URL; safe to run again. It lives
// in web/, beside main.ts, because like `bun run dev` it uses several services (shared/ uses none).
import { seedAccounts } from '../services/accounts/index.ts'
import { seedCatalog } from '../services/catalog/index.ts'
import { config } from '../shared/config/index.ts'
import { openMigratedDatabase } from '../shared/db/client.ts'

const database = await openMigratedDatabase(config.DATABASE_URL, config.DATABASE_AUTH_TOKEN)
try {
  const started = performance.now()
  const catalog = await seedCatalog(database.db)
  const shoppers = await seedAccounts(database.db, config)
  const ms = Math.round(performance.now() - started)
  const { categories, products, reviews } = catalog
  console.log(
    `${config.DATABASE_URL}: ${categories} categories, ${products} products, ${reviews} reviews, ${shoppers} new demo shopper(s) (${ms} ms)`,
  )
} finally {
  database.close()
}
