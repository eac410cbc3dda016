import { defineConfig } from 'drizzle-kit'

// Every table of the shop. Each service owns its tables in its own schema.ts; listing them by path
// keeps shared/ from importing any service.
export default defineConfig({
  dialect: 'sqlite',
  schema: ['./shared/bus/schema.ts', './services/*/schema.ts'],
  out: './migrations',
})
