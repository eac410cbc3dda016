// Every table of the shop, for drizzle-kit and for typed queries. Each service owns its own schema.ts.

export * from '../../services/accounts/schema.ts'
export * from '../../services/carts/schema.ts'
export * from '../../services/catalog/schema.ts'
export * from '../../services/orders/schema.ts'
export * from '../bus/schema.ts'
