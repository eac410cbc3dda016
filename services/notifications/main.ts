// Runs the notifications context's consumers alone: `bun services/notifications/main.ts` (health,
// readiness and metrics on PORT). Replicas share the consumer group and split the partitions. Point
// DATABASE_URL at the database the shop reads (a libSQL server), so the messages stored here are
// the ones the shop's menu lists. `watchNotifications` only hears changes made in its own process:
// pages served by another process learn of new messages from `notification-events`.
import { runConsumerService } from '../../shared/run-service.ts'
import { consumers } from './index.ts'

await runConsumerService('notifications', () => consumers)
