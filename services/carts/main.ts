// Runs the carts context's consumers alone: `bun services/carts/main.ts` (health, readiness and
// metrics on PORT). Replicas share the consumer group and split the partitions. Point
// DATABASE_URL at the database the shop's carts live in (a libSQL server), so the consumers
// change the carts the shop serves.
import { runConsumerService } from '../../shared/run-service.ts'
import { consumers } from './index.ts'

await runConsumerService('carts', () => consumers)
