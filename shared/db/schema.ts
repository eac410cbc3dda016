// Every table of the shop, for drizzle-kit and for typed queries. Each service owns its own schema.ts.
export * from '../bus/schema.ts'
