import { join } from 'node:path'
import type { Subprocess } from 'bun'

const ROOT = join(import.meta.dir, '../..')

/**
 * Real processes of the project, as a user starts them: from the repository root, with this
 * environment minus KAFKA_BROKERS (each test says which broker, if any), stdout collected.
 * `stopAll` ends every one still running (call it in afterEach/afterAll).
 */
export class Processes {
  readonly #running: Subprocess[] = []

  spawn(cmd: string[], env: Record<string, string | undefined>) {
    const { KAFKA_BROKERS: _ignored, ...inherited } = process.env
    const proc = Bun.spawn(cmd, {
      cwd: ROOT,
      env: { ...inherited, LOG_LEVEL: 'warn', ...env },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    this.#running.push(proc)
    let output = ''
    const decoder = new TextDecoder()
    void (async () => {
      for await (const chunk of proc.stdout) output += decoder.decode(chunk)
    })()
    return { proc, output: () => output }
  }

  async stopAll(): Promise<void> {
    for (const proc of this.#running.splice(0)) {
      proc.kill('SIGTERM')
      await proc.exited
    }
  }
}
