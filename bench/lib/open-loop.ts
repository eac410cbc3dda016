// Constant-rate GET load (wrk2's idea, in-process): requests leave on a fixed schedule whether or
// not earlier ones were answered, over raw keep-alive sockets, so the client costs little more
// than the bytes. A request whose turn comes while every connection is busy is dropped and
// counted: a server that falls behind shows as drops, never as a queue growing inside the client.
import type { Socket } from 'bun'

export interface OpenLoopOptions {
  host: string
  port: number
  /** Requests per second, offered whatever the answers do. */
  rate: number
  durationMs: number
  /** Keep-alive connections, each with at most one request in flight. */
  connections: number
  /** The path (and query) of the next request. */
  nextPath: () => string
}

export interface OpenLoopResult {
  /** Requests the schedule called for. */
  offered: number
  /** 200s received. */
  answered: number
  /** Turns that found every connection busy. */
  dropped: number
  errors: number
  firstError?: string
  /** From the first request to the last answer. */
  elapsedMs: number
  /** Per answered request: from writing it to its last byte. */
  latenciesMs: number[]
}

// Answers still missing this long after the schedule ended are counted as errors.
const DRAIN_MS = 10_000
const HEADER_END = Buffer.from('\r\n\r\n')
const LAST_CHUNK = Buffer.from('0\r\n\r\n')

interface Connection {
  socket: Socket<undefined> | null
  sentAt: number | null
  pending: Buffer
}

/** The byte length of the first complete HTTP response in `buf`, its status, or null: not yet. */
function completeResponse(buf: Buffer): { length: number; status: number } | null {
  const headerEnd = buf.indexOf(HEADER_END)
  if (headerEnd < 0) return null
  const head = buf.toString('latin1', 0, headerEnd)
  const status = Number(head.slice(9, 12))
  const bodyStart = headerEnd + HEADER_END.length
  const declared = /\r\ncontent-length:\s*(\d+)/i.exec(head)
  if (declared) {
    const length = bodyStart + Number(declared[1])
    return buf.length >= length ? { length, status } : null
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const end = buf.indexOf(LAST_CHUNK, bodyStart)
    return end < 0 ? null : { length: end + LAST_CHUNK.length, status }
  }
  return { length: bodyStart, status }
}

/**
 * Offers `rate` GETs a second for `durationMs` and reports what was answered.
 * @example await runOpenLoop({ host: '127.0.0.1', port, rate: 5000, durationMs: 10_000, connections: 32, nextPath: () => '/healthz' })
 */
export async function runOpenLoop(opts: OpenLoopOptions): Promise<OpenLoopResult> {
  const result: OpenLoopResult = {
    offered: 0,
    answered: 0,
    dropped: 0,
    errors: 0,
    elapsedMs: 0,
    latenciesMs: [],
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
          if (response.status === 200) {
            result.answered++
            result.latenciesMs.push(now - conn.sentAt)
          } else fail(`HTTP ${response.status}`)
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
    const request = `GET ${opts.nextPath()} HTTP/1.1\r\nHost: ${opts.host}\r\n\r\n`
    conn.sentAt = performance.now()
    if (conn.socket.write(request) < request.length) fail('a request did not fit the socket')
    return true
  }
  const started = performance.now()
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
  const deadline = performance.now() + DRAIN_MS
  while (connections.some((c) => c.sentAt !== null) && performance.now() < deadline) {
    await Bun.sleep(2)
  }
  for (const conn of connections) {
    if (conn.sentAt !== null) fail(`no answer within ${DRAIN_MS} ms of the end`)
    conn.sentAt = null
    conn.socket?.end()
  }
  result.elapsedMs = Math.max(lastAnswerAt, started + opts.durationMs) - started
  return result
}
