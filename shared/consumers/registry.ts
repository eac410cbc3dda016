import type { Config } from '../config/index.ts'
import { log } from '../observability/log.ts'
import type { ConsumerDefinition } from './define.ts'
import type { RetryPolicy } from './retry.ts'
import { ConsumerRunner, type RunnerDeps } from './runner.ts'
import type { ConsumerStatus } from './status.ts'

/** The process's retry policy from its environment. */
export function retryPolicy(config: Config): RetryPolicy {
  return {
    budgetMs: config.CONSUMER_RETRY_BUDGET_MS,
    baseMs: config.CONSUMER_RETRY_BASE_MS,
    maxBackoffMs: config.CONSUMER_RETRY_MAX_MS,
    handlerTimeoutMs: config.CONSUMER_HANDLER_TIMEOUT_MS,
  }
}

/** The consumers one process runs: started together, reported together, closed together. */
export class ConsumerSet {
  readonly #deps: RunnerDeps
  readonly #runners: ConsumerRunner[] = []

  constructor(deps: RunnerDeps) {
    this.#deps = deps
  }

  /** Starts a runner per definition; a group that is already running here is refused. */
  async start(definitions: readonly ConsumerDefinition[]): Promise<void> {
    for (const definition of definitions) {
      const key = `${definition.group}/${definition.topic}`
      if (this.#runners.some((r) => `${r.definition.group}/${r.definition.topic}` === key))
        throw new Error(`Consumer ${key} is registered twice`)
      const runner = new ConsumerRunner(definition, this.#deps)
      await runner.start()
      this.#runners.push(runner)
      log.info({ group: definition.group, topic: definition.topic }, 'consumer started')
    }
  }

  /** The groups and topics this process consumes, for lag reporting. */
  groups(): { group: string; topics: string[] }[] {
    return this.#runners.map((r) => ({ group: r.definition.group, topics: [r.definition.topic] }))
  }

  /** Local state of every consumer: cheap, for metrics scrapes and readiness. */
  states(): { group: string; topic: string; state: ConsumerStatus['state']; assigned: number }[] {
    return this.#runners.map((r) => ({
      group: r.definition.group,
      topic: r.definition.topic,
      state: r.status.state,
      assigned: r.status.state === 'stopped' ? 0 : r.assignedCount(),
    }))
  }

  /** Everything the dashboard shows of each consumer, lag and members included. */
  status(): Promise<ConsumerStatus[]> {
    return Promise.all(this.#runners.map((r) => r.status.snapshot()))
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#runners.map((r) => r.close()))
  }
}
