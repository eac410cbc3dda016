import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Summary } from './report.ts'

/** wrk's path, or null: the benches then load with the slower in-process fetch client. */
export const WRK = Bun.which('wrk')

export interface WrkOptions {
  url: string
  connections: number
  durationMs: number
  /**
   * Lua that defines `body()`, returning the next request body; called once per request on wrk's
   * single thread, so counters in it are unique across the run.
   */
  bodyLua: string
  eventsPerRequest: number
}

// The result as one line of JSON, so nothing depends on wrk's human-readable layout.
const DONE_LUA = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"durationUs":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50":%f,"p99":%f}\\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`

interface WrkResult {
  requests: number
  durationUs: number
  status: number
  connect: number
  read: number
  write: number
  timeout: number
  p50: number
  p99: number
}

/**
 * Closed-loop load with wrk (one thread, `connections` keep-alive connections, each sending its
 * next request when the last one answers). A non-2xx answer counts as an error, not as events.
 */
export async function runWrk(opts: WrkOptions): Promise<Summary> {
  if (!WRK) throw new Error('wrk is not installed')
  const script = join(tmpdir(), `streamshop-bench-${Bun.randomUUIDv7()}.lua`)
  await Bun.write(
    script,
    `${opts.bodyLua}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  return wrk.format(nil, nil, nil, body())
end
${DONE_LUA}`,
  )
  try {
    const proc = Bun.spawn(
      [
        WRK,
        '-t1',
        `-c${opts.connections}`,
        `-d${Math.max(1, Math.round(opts.durationMs / 1000))}s`,
        '--timeout',
        '30s',
        '-s',
        script,
        opts.url,
      ],
      { stdout: 'pipe', stderr: 'pipe' },
    )
    const [out, err, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ])
    const line = out.split('\n').find((l) => l.startsWith('WRK_RESULT '))
    if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}): ${err || out}`)
    const r = JSON.parse(line.slice('WRK_RESULT '.length)) as WrkResult
    const ok = r.requests - r.status
    const errors = r.status + r.connect + r.read + r.write + r.timeout
    const seconds = r.durationUs / 1e6
    return {
      requests: ok,
      events: ok * opts.eventsPerRequest,
      errors,
      firstError:
        errors > 0
          ? `${r.status} non-2xx, ${r.connect + r.read + r.write} socket errors, ${r.timeout} timeouts`
          : undefined,
      seconds,
      eventsPerS: (ok * opts.eventsPerRequest) / seconds,
      p50: r.p50 / 1000,
      p99: r.p99 / 1000,
    }
  } finally {
    rmSync(script, { force: true })
  }
}
