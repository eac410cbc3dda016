// `bun run dev`: the whole shop in one process on one port.

import { demoAdmin, seedAccounts } from '../services/accounts/index.ts'
import {
  consumers as analyticsConsumers,
  listenForAnalyticsReplays,
} from '../services/analytics/index.ts'
import { ensureDemoCatalog, listCategories } from '../services/catalog/index.ts'
import { followNotificationEvents } from '../services/notifications/index.ts'
import { startSagaDeadlines } from '../services/orders/index.ts'
import { startRecommender } from '../services/recommender/index.ts'
import { writeBrokerState } from '../shared/broker/state.ts'
import { config } from '../shared/config/index.ts'
import { serve } from '../shared/http/serve.ts'
import { closeOnSignals, startPlatform } from '../shared/platform.ts'
import { createShopApp } from './app.tsx'
import { shopConsumers } from './consumers.ts'

const platform = await startPlatform(config, { allowEmbedded: config.NODE_ENV !== 'production' })
const admin = demoAdmin(config)
await seedAccounts(platform.database.db, config)
// A first start gets the demo catalog; later starts keep whatever the admin changed.
await ensureDemoCatalog(platform.database.db)
await platform.consumers.start(shopConsumers(config))
const sagaDeadlines = startSagaDeadlines(platform.database.db, config)
// Open pages hear of notifications stored by any process (the notifications service may run alone).
const notificationFollower = await followNotificationEvents(platform.bus)
// `bun run replay --service analytics` reaches the roll-ups this process keeps.
const analyticsReplays = await listenForAnalyticsReplays({
  bus: platform.bus,
  db: platform.database.db,
  consumers: analyticsConsumers(config),
})
const recommender = await startRecommender(platform, {
  categoryNames: async () =>
    new Map((await listCategories(platform.database.db)).map((c) => [c.id, c.name])),
})
await platform.consumers.start(recommender.consumers)
const app = createShopApp(platform, { recommender })
const server = serve(app, platform)
const forgetState = writeBrokerState(config.STATE_DIR, {
  kind: platform.broker.kind,
  brokers: platform.broker.brokers,
  databaseUrl: platform.database.url,
  pid: process.pid,
})

const fallback = platform.broker.kind === 'embedded'
console.log(
  [
    '',
    '  Streamshop is running',
    `  Shop:      ${server.url.href}`,
    `  Broker:    ${platform.broker.description}`,
    ...(fallback
      ? ['             ⚠ no Kafka broker: events go to the embedded log (dev only)']
      : []),
    ...(platform.broker.brokers.length
      ? [`             KAFKA_BROKERS=${platform.broker.brokers.join(',')}`]
      : []),
    `  Database:  ${platform.database.url}`,
    ...(admin ? [`  Admin:     ${admin.email} (ADMIN_EMAIL / ADMIN_PASSWORD)`] : []),
    '',
  ].join('\n'),
)
closeOnSignals(async () => {
  forgetState()
  await server.stop()
  await sagaDeadlines.stop()
  await notificationFollower.close()
  await analyticsReplays.close()
  await recommender.close()
  await platform.close()
})
