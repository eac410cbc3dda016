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
  | { type: 'start'; config: Config; brokers: string[]; takeOverFrom: string[] }
  | { type: 'notify' }
  | { type: 'stop' }

export type RelayThreadReport =
  | { type: 'started'; owner: string }
  | { type: 'metrics'; produced: number; rejected: number; depth: number; oldestSeconds: number }
  | { type: 'stopped' }
  | { type: 'failed'; message: string }

/** How long a worker may take to stop (finish its publish, hand its lease over) before it is ended. */
const STOP_TIMEOUT_MS = 15_000
/** How long a failed worker may take to stop before it is ended, so its replacement starts soon. */
const RESTART_STOP_TIMEOUT_MS = 5000

interface RunningWorker {
  worker: Worker
  /** The relay's owner id in the lease, once the worker has reported it. */
  owner: string | null
  stopped: PromiseWithResolvers<void>
  closed: Promise<void>
}

/**
 * The relay in a worker thread with its own database connection and producer: publishing to Kafka
 * then never competes with request handling for the event loop. A worker that fails is stopped
 * (or ended) and replaced; its replacement takes the lease over at once instead of waiting for it
 * to expire.
 */
export class RelayThread implements RelayHandle {
  readonly #config: Config
  readonly #brokers: string[]
  readonly #workerUrl: URL
  #current: RunningWorker | null = null
  #stopping = false
  #restarting: Promise<void> | null = null
  #seen = { produced: 0, rejected: 0 }
  /** Lease owners of workers that were ended: no code of theirs runs any more. */
  #ended: string[] = []

  /** `workerUrl` is the worker module, replaceable so tests can inject a fault into a real worker. */
  constructor(
    config: Config,
    brokers: string[],
    workerUrl = new URL('./relay-worker.ts', import.meta.url),
  ) {
    this.#config = config
    this.#brokers = brokers
    this.#workerUrl = workerUrl
  }

  start(): void {
    if (this.#current || this.#stopping || this.#restarting) return
    const worker = new Worker(this.#workerUrl.href)
    const running: RunningWorker = {
      worker,
      owner: null,
      stopped: Promise.withResolvers<void>(),
      closed: new Promise((resolve) => worker.addEventListener('close', () => resolve())),
    }
    worker.onmessage = (event: MessageEvent<RelayThreadReport>) => {
      const report = event.data
      if (report.type === 'started') running.owner = report.owner
      else if (report.type === 'metrics') this.#applyMetrics(report)
      else if (report.type === 'stopped') running.stopped.resolve()
      else if (this.#current !== running) running.stopped.resolve()
      else {
        log.error({ error: report.message }, 'outbox relay thread failed; restarting it')
        this.#restart(running, true)
      }
    }
    worker.onerror = (event) => {
      log.error({ error: event.message }, 'outbox relay thread crashed; restarting it')
      this.#restart(running, false)
    }
    this.#send(worker, {
      type: 'start',
      config: this.#config,
      brokers: this.#brokers,
      takeOverFrom: this.#ended,
    })
    this.#current = running
  }

  // Nothing is lost by a restart: the outbox keeps every event until a relay has published it.
  #restart(running: RunningWorker, canStop: boolean): void {
    if (this.#current !== running) return
    this.#current = null
    this.#restarting = (async () => {
      await this.#end(running, canStop ? RESTART_STOP_TIMEOUT_MS : 0)
      this.#seen = { produced: 0, rejected: 0 }
    })().finally(() => {
      this.#restarting = null
      if (!this.#stopping) setTimeout(() => this.start(), 1000)
    })
  }

  /** Asks the worker to stop, waits up to `timeoutMs`, then ends it for sure. */
  async #end(running: RunningWorker, timeoutMs: number): Promise<void> {
    if (timeoutMs > 0) {
      this.#send(running.worker, { type: 'stop' })
      await Promise.race([running.stopped.promise, Bun.sleep(timeoutMs)])
    }
    running.worker.terminate()
    const closed = await Promise.race([
      running.closed.then(() => true),
      Bun.sleep(5000).then(() => false),
    ])
    // Once its thread is gone its relay cannot publish: the next one may take its lease at once.
    if (closed && running.owner) this.#ended = [...this.#ended.slice(-4), running.owner]
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
    if (this.#current) this.#send(this.#current.worker, { type: 'notify' })
  }

  async stop(): Promise<void> {
    this.#stopping = true
    await this.#restarting
    const running = this.#current
    if (!running) return
    this.#current = null
    await this.#end(running, STOP_TIMEOUT_MS)
  }
}
