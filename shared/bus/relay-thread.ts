import type { Config } from '../config/index.ts'
import { log } from '../observability/log.ts'
import { busMetrics } from '../observability/metrics.ts'

/** What runs the outbox relay: in this thread (`OutboxRelay`) or in a worker thread (`RelayThread`). */
export interface RelayHandle {
  start(): void
  notify(): void
  stop(): Promise<void>
}

export type RelayThreadMessage =
  | { type: 'start'; config: Config; brokers: string[] }
  | { type: 'notify' }
  | { type: 'stop' }

export type RelayThreadReport =
  | { type: 'metrics'; produced: number; rejected: number; depth: number; oldestSeconds: number }
  | { type: 'stopped' }
  | { type: 'failed'; message: string }

/**
 * The relay in a worker thread with its own database connection and producer: publishing to Kafka
 * then never competes with request handling for the event loop.
 */
export class RelayThread implements RelayHandle {
  readonly #config: Config
  readonly #brokers: string[]
  #worker: Worker | null = null
  #stopping = false
  #seen = { produced: 0, rejected: 0 }
  #stopped = Promise.withResolvers<void>()

  constructor(config: Config, brokers: string[]) {
    this.#config = config
    this.#brokers = brokers
  }

  start(): void {
    if (this.#worker || this.#stopping) return
    const worker = new Worker(new URL('./relay-worker.ts', import.meta.url).href)
    worker.onmessage = (event: MessageEvent<RelayThreadReport>) => {
      const report = event.data
      if (report.type === 'metrics') this.#applyMetrics(report)
      else if (report.type === 'stopped') this.#stopped.resolve()
      else {
        log.error({ error: report.message }, 'outbox relay thread failed; restarting it')
        this.#restart(worker)
      }
    }
    worker.onerror = (event) => {
      log.error({ error: event.message }, 'outbox relay thread crashed; restarting it')
      this.#restart(worker)
    }
    this.#send(worker, { type: 'start', config: this.#config, brokers: this.#brokers })
    this.#worker = worker
  }

  // Nothing is lost by a restart: the outbox keeps every event until a relay has published it.
  #restart(worker: Worker): void {
    worker.terminate()
    if (this.#worker === worker) this.#worker = null
    this.#seen = { produced: 0, rejected: 0 }
    if (this.#stopping) this.#stopped.resolve()
    else setTimeout(() => this.start(), 1000)
  }

  // The worker reports running totals; the main thread's counters only ever go up by the difference.
  #applyMetrics(m: Extract<RelayThreadReport, { type: 'metrics' }>): void {
    busMetrics.produced.inc(Math.max(0, m.produced - this.#seen.produced))
    busMetrics.outboxRejected.inc(Math.max(0, m.rejected - this.#seen.rejected))
    this.#seen = { produced: m.produced, rejected: m.rejected }
    busMetrics.outboxDepth.set(m.depth)
    busMetrics.outboxOldestSeconds.set(m.oldestSeconds)
  }

  #send(worker: Worker, message: RelayThreadMessage): void {
    worker.postMessage(message)
  }

  notify(): void {
    if (this.#worker) this.#send(this.#worker, { type: 'notify' })
  }

  async stop(): Promise<void> {
    this.#stopping = true
    const worker = this.#worker
    if (!worker) return
    this.#worker = null
    this.#send(worker, { type: 'stop' })
    await Promise.race([this.#stopped.promise, Bun.sleep(15_000)])
    worker.terminate()
  }
}
