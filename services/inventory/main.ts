// Runs the inventory context's consumers alone: `bun services/inventory/main.ts` (health,
// readiness and metrics on PORT). Replicas share the consumer groups and split the partitions;
// another process on the same database can reserve at the same time without overselling, since
// every reservation is one conditional update. Point DATABASE_URL at the shop's database.
import { runConsumerService } from '../../shared/run-service.ts'
import { consumers } from './index.ts'

await runConsumerService('inventory', () => consumers)
