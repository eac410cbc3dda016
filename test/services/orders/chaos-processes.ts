// The saga's services as real OS processes for the chaos test: each started as a user starts it
// (`bun services/<name>/main.ts`), killed with SIGKILL and started again under the same name, its
// output kept in a file per start so a failure can show what each process said.
import { appendFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Subprocess } from 'bun'
import { eventually } from '../../helpers/broker.ts'

const ROOT = join(import.meta.dir, '../../..')

export type ServiceName = 'orders' | 'payments' | 'inventory' | 'shipping' | 'notifications'

interface Running {
  proc: Subprocess
  log: string
}

/**
 * The five saga services on one database and broker. `env` is every child's environment on top of
 * this process's (minus KAFKA_BROKERS, which `env` names); logs go to `<dir>/<name>-<n>.log`.
 */
export class SagaProcesses {
  readonly #env: Record<string, string>
  readonly #dir: string
  readonly #running = new Map<ServiceName, Running>()
  readonly #starts = new Map<ServiceName, number>()
  #stopped = false
  /** Every log file written, oldest first, for the evidence of a failure. */
  readonly logs: string[] = []

  constructor(dir: string, env: Record<string, string>) {
    this.#dir = dir
    this.#env = env
  }

  /**
   * Starts the service and waits until it is ready: database, bus and every consumer joined.
   * Returns how long it took to listen (its consumers started) and to be ready.
   */
  async start(name: ServiceName): Promise<{ listeningMs: number; readyMs: number }> {
    const at = Date.now()
    // A restart still pending when the test ends must not leave a process behind.
    if (this.#stopped) throw new Error(`not starting ${name}: every service was stopped`)
    if (this.#running.has(name)) throw new Error(`${name} is already running`)
    const n = (this.#starts.get(name) ?? 0) + 1
    this.#starts.set(name, n)
    const log = join(this.#dir, `${name}-${n}.log`)
    this.logs.push(log)
    appendFileSync(log, '')
    const { KAFKA_BROKERS: _ignored, ...inherited } = process.env
    const proc = Bun.spawn(['bun', `services/${name}/main.ts`], {
      cwd: ROOT,
      // Info level (which NODE_ENV=test turns into error) so the log says where it listens.
      env: { ...inherited, NODE_ENV: 'development', LOG_LEVEL: 'info', PORT: '0', ...this.#env },
      stdout: Bun.file(log),
      stderr: Bun.file(`${log}.err`),
    })
    this.#running.set(name, { proc, log })
    const url = await eventually(
      () => {
        if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode}`)
        const line = readFileSync(log, 'utf8')
          .split('\n')
          .find((l) => l.includes('service listening'))
        return line ? (JSON.parse(line) as { url: string }).url : undefined
      },
      30_000,
      `${name} to listen`,
    )
    const listeningMs = Date.now() - at
    await eventually(
      async () => (await fetch(new URL('/readyz', url))).ok,
      30_000,
      `${name} to be ready`,
    )
    return { listeningMs, readyMs: Date.now() - at }
  }

  /** Kills the service with SIGKILL: no shutdown, no leaving its groups, a transaction cut short. */
  async kill(name: ServiceName): Promise<void> {
    const running = this.#running.get(name)
    if (!running) throw new Error(`${name} is not running`)
    this.#running.delete(name)
    running.proc.kill('SIGKILL')
    await running.proc.exited
  }

  /** Services that ended on their own (none was asked to): each with its exit code. */
  crashed(): string[] {
    return [...this.#running]
      .filter(([, { proc }]) => proc.exitCode !== null || proc.signalCode !== null)
      .map(
        ([name, { proc, log }]) => `${name} (${log}) exited: ${proc.exitCode ?? proc.signalCode}`,
      )
  }

  /** How many times each service was started. */
  starts(): Record<string, number> {
    return Object.fromEntries(this.#starts)
  }

  /** The last lines of every log, for a failure's evidence. */
  tails(lines = 20): string {
    return this.logs
      .flatMap((log) =>
        [log, `${log}.err`].map((file) => {
          const last = readFileSync(file, 'utf8').trim().split('\n').slice(-lines)
          const text = last.map((line) => line.slice(0, 400)).join('\n')
          return text ? `--- ${file}\n${text}` : ''
        }),
      )
      .filter(Boolean)
      .join('\n')
  }

  /**
   * Stops every running service with SIGTERM (each leaves its groups, so the next test can move
   * them), and SIGKILL when one has not ended after its own 30 s limit for shutting down.
   */
  async stopAll(): Promise<void> {
    this.#stopped = true
    const running = [...this.#running.values()]
    this.#running.clear()
    await Promise.all(
      running.map(async ({ proc }) => {
        proc.kill('SIGTERM')
        const ended = await Promise.race([proc.exited.then(() => true), Bun.sleep(35_000)])
        if (!ended) {
          proc.kill('SIGKILL')
          await proc.exited
        }
      }),
    )
  }
}
