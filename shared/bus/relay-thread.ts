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
  | { type: 'published'; count: number; depth: number | null }
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
      if (report.type === 'published') {
        busMetrics.produced.inc(report.count)
        if (report.depth !== null) busMetrics.outboxDepth.set(report.depth)
      } else if (report.type === 'stopped') this.#stopped.resolve()
      else log.error({ error: report.message }, 'outbox relay thread failed')
    }
    worker.onerror = (event) => {
      log.error({ error: event.message }, 'outbox relay thread crashed; restarting it')
      worker.terminate()
      if (this.#worker === worker) this.#worker = null
      // Nothing is lost: the outbox keeps every event until a relay has published it.
      if (!this.#stopping) setTimeout(() => this.start(), 1000)
      else this.#stopped.resolve()
    }
    this.#send(worker, { type: 'start', config: this.#config, brokers: this.#brokers })
    this.#worker = worker
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
