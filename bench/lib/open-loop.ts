// Constant-rate load (wrk2's idea, in-process): requests leave on a fixed schedule whether or not
// earlier ones were answered, over raw keep-alive sockets, so the client costs little more than the
// bytes. A request whose turn comes while every connection is busy is dropped and counted: a server
// that falls behind shows as drops, never as a queue growing inside the client.
import type { Socket } from 'bun'

/** One request of the load: a GET of `path` unless a method and body are given. */
export interface OpenLoopRequest {
  method?: 'GET' | 'POST'
  path: string
  headers?: Record<string, string>
  body?: string
}

export interface OpenLoopOptions {
  host: string
  port: number
  /** Requests per second, offered whatever the answers do. */
  rate: number
  durationMs: number
  /** Keep-alive connections, each with at most one request in flight. */
  connections: number
  /** The path (and query) of the next GET. */
  nextPath?: () => string
  /** The next request, when it is more than a GET of a path. */
  next?: () => OpenLoopRequest
  /** The status counted as answered; any other is an error (default 200). */
  expectStatus?: number
  /** Keep each answer's send time and body (`answers`). */
  keepAnswers?: boolean
  /** Answers still missing this long after the schedule ended are errors (default 10 s). */
  drainMs?: number
}

/** One answered request: when it left (epoch ms, fractional), how long it took, its body. */
export interface OpenLoopAnswer {
  sentAt: number
  ms: number
  body: string
}

export interface OpenLoopResult {
  /** Requests the schedule called for. */
  offered: number
  /** Answers with the expected status. */
  answered: number
  /** Turns that found every connection busy. */
  dropped: number
  errors: number
  firstError?: string
  /** From the first request to the last answer. */
  elapsedMs: number
  /** Per answered request: from writing it to its last byte. */
  latenciesMs: number[]
  /** With `keepAnswers`: every answered request. */
  answers: OpenLoopAnswer[]
  /** Epoch ms when the schedule began and when its last turn came. */
  startedAt: number
  endedAt: number
}

const HEADER_END = Buffer.from('\r\n\r\n')
const CRLF = Buffer.from('\r\n')

const epochOf = (t: number) => performance.timeOrigin + t

interface Connection {
  socket: Socket<undefined> | null
  sentAt: number | null
  pending: Buffer
}

/** The first complete response in `buf`: its byte length, status and body; null: not yet. */
function completeResponse(buf: Buffer): { length: number; status: number; body: string } | null {
  const headerEnd = buf.indexOf(HEADER_END)
  if (headerEnd < 0) return null
  const head = buf.toString('latin1', 0, headerEnd)
  const status = Number(head.slice(9, 12))
  const bodyStart = headerEnd + HEADER_END.length
  const declared = /\r\ncontent-length:\s*(\d+)/i.exec(head)
  if (declared) {
    const length = bodyStart + Number(declared[1])
    return buf.length >= length
      ? { length, status, body: buf.toString('utf8', bodyStart, length) }
      : null
  }
  if (!/\r\ntransfer-encoding:\s*chunked/i.test(head))
    return { length: bodyStart, status, body: '' }
  const parts: Buffer[] = []
  let at = bodyStart
  for (;;) {
    const lineEnd = buf.indexOf(CRLF, at)
    if (lineEnd < 0) return null
    const size = Number.parseInt(buf.toString('latin1', at, lineEnd), 16)
    // A malformed chunk ends the response here rather than looping over it.
    if (!Number.isFinite(size) || size < 0) return { length: buf.length, status: 0, body: '' }
    const dataEnd = lineEnd + CRLF.length + size
    if (buf.length < dataEnd + CRLF.length) return null
    if (size === 0)
      return { length: dataEnd + CRLF.length, status, body: Buffer.concat(parts).toString('utf8') }
    parts.push(buf.subarray(lineEnd + CRLF.length, dataEnd))
    at = dataEnd + CRLF.length
  }
}

function requestText(host: string, port: number, r: OpenLoopRequest): string {
  const head = Object.entries(r.headers ?? {})
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')
  if (r.body === undefined)
    return `${r.method ?? 'GET'} ${r.path} HTTP/1.1\r\nHost: ${host}:${port}\r\n${head}\r\n`
  return (
    `${r.method ?? 'POST'} ${r.path} HTTP/1.1\r\nHost: ${host}:${port}\r\n${head}` +
    `Content-Length: ${Buffer.byteLength(r.body)}\r\n\r\n${r.body}`
  )
}

/**
 * Offers `rate` requests a second for `durationMs` and reports what was answered.
 * @example await runOpenLoop({ host: '127.0.0.1', port, rate: 5000, durationMs: 10_000, connections: 32, nextPath: () => '/healthz' })
 */
export async function runOpenLoop(opts: OpenLoopOptions): Promise<OpenLoopResult> {
  const nextRequest =
    opts.next ??
    (() => {
      if (!opts.nextPath) throw new Error('runOpenLoop needs nextPath or next')
      return { path: opts.nextPath() }
    })
  const expectStatus = opts.expectStatus ?? 200
  const drainMs = opts.drainMs ?? 10_000
  const result: OpenLoopResult = {
    offered: 0,
    answered: 0,
    dropped: 0,
    errors: 0,
    elapsedMs: 0,
    latenciesMs: [],
    answers: [],
    startedAt: 0,
    endedAt: 0,
  }
  const fail = (message: string) => {
    result.errors++
    result.firstError ??= message
  }
  let lastAnswerAt = 0
  const connections: Connection[] = []
  for (let i = 0; i < opts.connections; i++) {
    const conn: Connection = { socket: null, sentAt: null, pending: Buffer.alloc(0) }
    conn.socket = await Bun.connect({
      hostname: opts.host,
      port: opts.port,
      socket: {
        data(_socket, chunk) {
          conn.pending = conn.pending.length ? Buffer.concat([conn.pending, chunk]) : chunk
          const response = completeResponse(conn.pending)
          if (!response || conn.sentAt === null) return
          const now = performance.now()
          if (response.status === expectStatus) {
            result.answered++
            result.latenciesMs.push(now - conn.sentAt)
            if (opts.keepAnswers)
              result.answers.push({
                sentAt: epochOf(conn.sentAt),
                ms: now - conn.sentAt,
                body: response.body,
              })
          } else fail(`HTTP ${response.status}: ${response.body.slice(0, 300)}`)
          lastAnswerAt = now
          conn.pending = conn.pending.subarray(response.length)
          conn.sentAt = null
        },
        close() {
          if (conn.sentAt !== null) fail('connection closed with a request in flight')
          conn.socket = null
          conn.sentAt = null
        },
        error(_socket, error) {
          fail(error.message)
        },
      },
    })
    connections.push(conn)
  }

  const total = Math.floor((opts.durationMs * opts.rate) / 1000)
  let next = 0
  const send = (): boolean => {
    // Lowest index first: the busy connections stay few and the idle ones warm.
    const conn = connections.find((c) => c.socket !== null && c.sentAt === null)
    if (!conn?.socket) return false
    const request = requestText(opts.host, opts.port, nextRequest())
    conn.sentAt = performance.now()
    if (conn.socket.write(request) < Buffer.byteLength(request))
      fail('a request did not fit the socket')
    return true
  }
  const started = performance.now()
  result.startedAt = epochOf(started)
  await new Promise<void>((done) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) * opts.rate) / 1000))
      for (; next < due; next++) {
        result.offered++
        if (!send()) result.dropped++
      }
      if (next < total) setTimeout(tick, 1)
      else done()
    }
    tick()
  })
  result.endedAt = epochOf(performance.now())
  const deadline = performance.now() + drainMs
  while (connections.some((c) => c.sentAt !== null) && performance.now() < deadline) {
    await Bun.sleep(2)
  }
  for (const conn of connections) {
    if (conn.sentAt !== null) fail(`no answer within ${drainMs} ms of the end`)
    conn.sentAt = null
    conn.socket?.end()
  }
  result.elapsedMs = Math.max(lastAnswerAt, started + opts.durationMs) - started
  return result
}
