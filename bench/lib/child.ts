import { join } from 'node:path'
import type { Subprocess } from 'bun'
import { deferCleanup } from './cleanup.ts'

/** A server the benchmark started in its own process, listening on 127.0.0.1. */
export interface ChildServer {
  label: string
  port: number
  url: string
  stop(): Promise<void>
}

const PORT_LINE = /^BENCH_PORT=(\d+)$/
const PROJECT_ROOT = join(import.meta.dir, '../..')

async function stopProcess(proc: Subprocess, graceMs = 10_000): Promise<void> {
  if (proc.exitCode === null && proc.signalCode === null) {
    proc.kill('SIGTERM')
    // A server that ignores SIGTERM (or hangs closing its producer) must not hang the bench.
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs)
    await proc.exited
    clearTimeout(timer)
  }
}

/** Hands a child's output to `onLine` one line at a time. */
async function pipeLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  const decoder = new TextDecoder()
  let pending = ''
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true })
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) onLine(line)
  }
  if (pending) onLine(pending)
}

/**
 * Starts a server process and waits until it prints `BENCH_PORT=<n>`. Every other line it writes
 * is shown with its label, so a warning from the server under load is not lost.
 */
export async function startChildServer(
  label: string,
  cmd: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 120_000,
): Promise<ChildServer> {
  const proc = Bun.spawn(cmd, {
    cwd: PROJECT_ROOT,
    env,
    stdout: 'pipe',
    stderr: 'pipe',
    stdin: 'ignore',
  })
  const stop = deferCleanup(() => stopProcess(proc))
  const { promise: portKnown, resolve, reject } = Promise.withResolvers<number>()
  const onLine = (line: string) => {
    const match = PORT_LINE.exec(line.trim())
    if (match) resolve(Number(match[1]))
    else if (line.trim()) console.log(`  [${label}] ${line}`)
  }
  void pipeLines(proc.stdout, onLine)
  void pipeLines(proc.stderr, onLine)
  void proc.exited.then((code) =>
    reject(new Error(`${label} exited with code ${code} before listening`)),
  )
  const timer = setTimeout(
    () => reject(new Error(`${label} did not print its port within ${timeoutMs} ms`)),
    timeoutMs,
  )
  try {
    const port = await portKnown
    return { label, port, url: `http://127.0.0.1:${port}`, stop }
  } catch (error) {
    await stop()
    throw error
  } finally {
    clearTimeout(timer)
  }
}
