// Runs the analytics context alone: `bun services/analytics/main.ts` (health, readiness and
// metrics on PORT). Its consumers fill the roll-ups in DATABASE_URL — point it at the database the
// admin pages read (a libSQL server) — and it answers `bun run replay --service analytics`.
import { log } from '../../shared/observability/log.ts'
import { runConsumerService } from '../../shared/run-service.ts'
import { consumers, listenForAnalyticsReplays } from './index.ts'

await runConsumerService('analytics', consumers, (platform) => {
  const listening = listenForAnalyticsReplays({
    bus: platform.bus,
    db: platform.database.db,
    consumers: consumers(platform.config),
  })
  listening
    .then((l) => log.info({ replica: l.replica }, 'analytics answers replay requests'))
    .catch((error) => log.error({ err: error }, 'analytics cannot listen for replay requests'))
  return {
    stop: async () => {
      await (await listening.catch(() => null))?.close()
    },
  }
})
