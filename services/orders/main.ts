// Runs the order saga's orchestrator alone: `bun services/orders/main.ts` — its consumers of the
// participants' answers and its durable timeouts, with health, readiness and metrics on PORT.
// Point DATABASE_URL at the database the shop's orders live in, so it moves the orders the shop
// takes. Replicas share the consumer groups; each deadline is acted on by one of them.
import { runConsumerService } from '../../shared/run-service.ts'
import { orderConsumers, startSagaDeadlines } from './index.ts'

await runConsumerService('orders', orderConsumers, (platform) =>
  startSagaDeadlines(platform.database.db, platform.config),
)
