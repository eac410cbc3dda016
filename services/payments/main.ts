// Runs the payments saga participant alone: `bun services/payments/main.ts`. Point DATABASE_URL at the
// shop's database; replicas share the consumer group and split the partitions.
import { runConsumerService } from '../../shared/run-service.ts'
import { consumers } from './index.ts'

await runConsumerService('payments', consumers)
