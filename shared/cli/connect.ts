import { readBrokerState } from '../broker/state.ts'
import { waitForBroker } from '../broker/wait.ts'
import { createBus } from '../bus/create.ts'
import type { EventBus } from '../bus/types.ts'
import { config } from '../config/index.ts'
import { openMigratedDatabase } from '../db/client.ts'

/** Finds the bus the shop uses: KAFKA_BROKERS, else the broker or embedded log a running shop recorded. */
export async function connect(): Promise<{ bus: EventBus; close: () => Promise<void> }> {
  const state = readBrokerState(config.STATE_DIR)
  const brokers = config.KAFKA_BROKERS?.length ? config.KAFKA_BROKERS : (state?.brokers ?? [])
  const databaseUrl = state?.databaseUrl ?? config.DATABASE_URL
  if (brokers.length === 0 && state?.kind !== 'embedded') {
    console.error('No broker: set KAFKA_BROKERS, or start `bun run dev` or `bun run broker` first.')
    process.exit(2)
  }
  if (brokers.length > 0) await waitForBroker(brokers, 10_000)
  const database = await openMigratedDatabase(databaseUrl, config.DATABASE_AUTH_TOKEN)
  const bus = createBus(config, database, brokers)
  console.error(`# ${bus.description}`)
  return {
    bus,
    close: async () => {
      await bus.close()
      database.close()
    },
  }
}
