// Constant-rate POSTs for `bun run bench saga` (bench/lib/open-loop.ts's idea, for requests with a
// body and headers): requests leave on a fixed schedule whether or not earlier ones were answered,
// over raw keep-alive sockets, so the client costs little of the two cores it shares with the shop
// and the broker. A turn that finds every connection busy is dropped and counted, never queued.
import type { Socket } from 'bun'

export interface PostRequest {
  path: string
  headers: Record<string, string>
  body: string
}

export interface PostLoadOptions {
  host: string
  port: number
  /** Requests per second, offered whatever the answers do. */
  rate: number
  durationMs: number
  /** Keep-alive connections, each with at most one request in flight. */
  connections: number
  next: () => PostRequest
  expectStatus: number
}

/** One answered request: when it left (epoch ms, fractional), how long it took, its body. */
export interface PostAnswer {
  sentAt: number
  ms: number
  body: string
}

export interface PostLoadResult {
  offered: number
  answers: PostAnswer[]
  dropped: number
  errors: number
  firstError?: string
  /** Epoch ms when the schedule began and when it ended (its last turn). */
  startedAt: number
  endedAt: number
}

// Answers still missing this long after the schedule ended are counted as errors.
const DRAIN_MS = 30_000
const HEADER_END = Buffer.from('\r\n\r\n')
const CRLF = Buffer.from('\r\n')

const epochNow = () => performance.timeOrigin + performance.now()

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
    const dataEnd = lineEnd + CRLF.length + size
    if (buf.length < dataEnd + CRLF.length) return null
    if (size === 0)
      return { length: dataEnd + CRLF.length, status, body: Buffer.concat(parts).toString('utf8') }
    parts.push(buf.subarray(lineEnd + CRLF.length, dataEnd))
    at = dataEnd + CRLF.length
  }
}

interface Connection {
  socket: Socket<undefined> | null
  sentAt: number | null
  pending: Buffer
}

/**
 * Offers `rate` POSTs a second for `durationMs`; every answer with the expected status is kept
 * with its send time and body.
 */
export async function runPostLoad(opts: PostLoadOptions): Promise<PostLoadResult> {
  const result: PostLoadResult = {
    offered: 0,
    answers: [],
    dropped: 0,
    errors: 0,
    startedAt: 0,
    endedAt: 0,
  }
  const fail = (message: string) => {
    result.errors++
    result.firstError ??= message
  }
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
          const now = epochNow()
          if (response.status === opts.expectStatus)
            result.answers.push({ sentAt: conn.sentAt, ms: now - conn.sentAt, body: response.body })
          else fail(`HTTP ${response.status}: ${response.body.slice(0, 300)}`)
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
    const { path, headers, body } = opts.next()
    const head = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')
    const request =
      `POST ${path} HTTP/1.1\r\nHost: ${opts.host}:${opts.port}\r\n${head}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
    conn.sentAt = epochNow()
    if (conn.socket.write(request) < Buffer.byteLength(request))
      fail('a request did not fit the socket')
    return true
  }
  const started = performance.now()
  result.startedAt = epochNow()
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
  result.endedAt = epochNow()
  const deadline = performance.now() + DRAIN_MS
  while (connections.some((c) => c.sentAt !== null) && performance.now() < deadline) {
    await Bun.sleep(2)
  }
  for (const conn of connections) {
    if (conn.sentAt !== null) fail(`no answer within ${DRAIN_MS} ms of the end`)
    conn.sentAt = null
    conn.socket?.end()
  }
  return result
}
