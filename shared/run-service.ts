import { type Config, config } from './config/index.ts'
import type { ConsumerDefinition } from './consumers/define.ts'
import { createServiceApp, serve } from './http/serve.ts'
import { log } from './observability/log.ts'
import { closeOnSignals, type Platform, startPlatform } from './platform.ts'

/** Something a service runs besides its consumers (the saga's deadlines), stopped before closing. */
export interface Background {
  stop(): Promise<void>
}

/**
 * Runs one service's consumers alone (`bun services/<name>/main.ts`), with health, readiness and
 * metrics on PORT, until SIGINT/SIGTERM; replicas share the consumer groups.
 *
 * @example
 * await runConsumerService('payments', (config) => consumers(config))
 */
export async function runConsumerService(
  name: string,
  consumers: (config: Config) => readonly ConsumerDefinition[],
  background?: (platform: Platform) => Background,
): Promise<void> {
  const platform = await startPlatform(config, { allowEmbedded: false })
  await platform.consumers.start(consumers(config))
  const extra = background?.(platform)
  const server = serve(createServiceApp(platform, name), platform)
  log.info({ url: server.url.href, bus: platform.bus.description }, `${name} service listening`)
  closeOnSignals(async () => {
    await server.stop()
    await extra?.stop()
    await platform.close()
  })
}
