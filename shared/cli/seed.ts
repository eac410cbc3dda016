// `bun run seed`: loads the deterministic demo data into DATABASE_URL; safe to run again.
import { seedAccounts } from '../../services/accounts/demo-users.ts'
import { seedCatalog } from '../../services/catalog/demo-catalog.ts'
import { config } from '../config/index.ts'
import { openMigratedDatabase } from '../db/client.ts'

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
