import type { Config } from '../config/index.ts'
import { LocalKafka } from './local-kafka.ts'
import { waitForBroker } from './wait.ts'

export type BrokerKind = 'env' | 'redpanda' | 'local-kafka' | 'embedded'

export interface ResolvedBroker {
  kind: BrokerKind
  /** Bootstrap addresses; empty for the embedded log. */
  brokers: string[]
  description: string
  stop(): Promise<void>
}

export interface ResolveOptions {
  /** Only `bun run dev` may fall back to the embedded log; tests about Kafka never do. */
  allowEmbedded: boolean
  onProgress?: (line: string) => void
  /** Where to look for docker, java and mvn; the process's PATH when absent. */
  searchPath?: string
}

export const NO_BROKER_HELP =
  'No Kafka broker: set KAFKA_BROKERS=host:port, or start Docker (Redpanda via testcontainers), ' +
  'or install java and mvn (a local Apache Kafka is downloaded from Maven Central).'

function commandWorks(cmd: string[], timeoutMs: number): boolean {
  try {
    const result = Bun.spawnSync(cmd, { stdout: 'ignore', stderr: 'ignore', timeout: timeoutMs })
    return result.exitCode === 0
  } catch {
    return false
  }
}

export function dockerAnswers(searchPath?: string): boolean {
  const docker = Bun.which('docker', searchPath === undefined ? undefined : { PATH: searchPath })
  return docker !== null && commandWorks([docker, 'info'], 5000)
}

async function startRedpanda(config: Config): Promise<ResolvedBroker> {
  const { RedpandaContainer } = await import('@testcontainers/redpanda')
  const container = await new RedpandaContainer(config.REDPANDA_IMAGE).start()
  const brokers = [container.getBootstrapServers()]
  try {
    await waitForBroker(brokers, config.BROKER_STARTUP_TIMEOUT_MS)
  } catch (error) {
    await container.stop().catch(() => {})
    throw error
  }
  return {
    kind: 'redpanda',
    brokers,
    description: `Redpanda (testcontainers, ${config.REDPANDA_IMAGE}) at ${brokers[0]}`,
    stop: async () => {
      await container.stop()
    },
  }
}

async function startLocalKafka(
  config: Config,
  onProgress?: (line: string) => void,
): Promise<ResolvedBroker> {
  const kafka = new LocalKafka({
    version: config.KAFKA_VERSION,
    cacheDir: config.STREAMSHOP_CACHE_DIR,
    startupTimeoutMs: config.BROKER_STARTUP_TIMEOUT_MS,
    onProgress,
  })
  const brokers = await kafka.start()
  return {
    kind: 'local-kafka',
    brokers,
    description: `local Apache Kafka ${config.KAFKA_VERSION} (KRaft, Maven Central) at ${brokers[0]}`,
    stop: () => kafka.stop(),
  }
}

/**
 * Finds a broker in DESIGN.md's order: KAFKA_BROKERS, then Redpanda when Docker answers, then a
 * local Apache Kafka when java and mvn exist, then (dev only) the embedded log.
 */
export async function resolveBroker(config: Config, opts: ResolveOptions): Promise<ResolvedBroker> {
  if (config.KAFKA_BROKERS?.length) {
    const brokers = config.KAFKA_BROKERS
    await waitForBroker(brokers, config.BROKER_STARTUP_TIMEOUT_MS)
    return {
      kind: 'env',
      brokers,
      description: `Kafka at ${brokers.join(',')} (KAFKA_BROKERS)`,
      stop: async () => {},
    }
  }
  const failures: string[] = []
  const which = (cmd: string) =>
    Bun.which(cmd, opts.searchPath === undefined ? undefined : { PATH: opts.searchPath })
  if (dockerAnswers(opts.searchPath)) {
    opts.onProgress?.('Docker answers: starting Redpanda with testcontainers')
    try {
      return await startRedpanda(config)
    } catch (error) {
      failures.push(`Redpanda via testcontainers: ${(error as Error).message}`)
    }
  }
  if (which('java') && which('mvn')) {
    opts.onProgress?.('java and mvn found: starting a local Apache Kafka (KRaft)')
    try {
      return await startLocalKafka(config, opts.onProgress)
    } catch (error) {
      failures.push(`local Apache Kafka: ${(error as Error).message}`)
    }
  }
  if (opts.allowEmbedded) {
    return {
      kind: 'embedded',
      brokers: [],
      description: `embedded event log (no Kafka broker found${failures.length ? `: ${failures.join('; ')}` : ''})`,
      stop: async () => {},
    }
  }
  throw new Error([NO_BROKER_HELP, ...failures].join('\n'))
}
