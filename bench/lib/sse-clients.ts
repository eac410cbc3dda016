// Many Server-Sent Events clients in one process, each a raw keep-alive socket, so that 15,000 of
// them cost the bench a socket and a few numbers each rather than a fetch and a stream reader.
// Each client reads one number out of every message (a figure of a live part) and reports it.
import type { Socket } from 'bun'

export interface SseClientsOptions {
  host: string
  port: number
  /** The stream's path and query. */
  path: string
  headers?: Record<string, string>
  count: number
  /** Connections being opened at once. */
  concurrency?: number
  /** No connection is opened after this long (ms): a server that cannot keep up stops the run. */
  openWithinMs?: number
  /** The text just before the number to read (`data-figure="views"><dt>…</dt><dd>` up to `<dd>`). */
  before: RegExp
  /** Called with each message's number, when the chunk that completed it arrived. */
  onValue(client: number, value: number, at: number): void
}

export interface SseClients {
  /** Clients that got at least one message. */
  readonly started: number
  /** Connections closed by the server or refused, and the first reason. */
  readonly failed: number
  readonly firstError: string | undefined
  /** Waits until every client got its first message (or failed), for at most `timeoutMs`. */
  allStarted(timeoutMs: number): Promise<boolean>
  close(): void
}

const MESSAGE_END = '\n\n'

/**
 * Opens `count` SSE streams of `path` and hands every figure they carry to `onValue`.
 * @example const pool = await openSseClients({ host, port, path: '/live?parts=…', count: 100, before: /<dd>/, onValue })
 */
export async function openSseClients(opts: SseClientsOptions): Promise<SseClients> {
  const head = Object.entries(opts.headers ?? {})
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')
  const request = `GET ${opts.path} HTTP/1.1\r\nHost: ${opts.host}:${opts.port}\r\nAccept: text/event-stream\r\n${head}\r\n`
  // The number after the last `before` of a run of whole messages.
  const figure = new RegExp(`${opts.before.source}(\\d+)`, 'g')
  const sockets: (Socket<undefined> | null)[] = []
  const pending: string[] = new Array(opts.count).fill('')
  const gotFirst = new Uint8Array(opts.count)
  let started = 0
  let failed = 0
  let firstError: string | undefined
  let closing = false
  const fail = (client: number, why: string) => {
    if (closing) return
    failed++
    firstError ??= `client ${client}: ${why}`
  }

  const connect = async (client: number) => {
    try {
      const socket = await Bun.connect({
        hostname: opts.host,
        port: opts.port,
        socket: {
          data(_socket, chunk) {
            const at = performance.now()
            let text = pending[client] + chunk.toString('utf8')
            if (
              !gotFirst[client] &&
              text.startsWith('HTTP/1.1 ') &&
              !text.startsWith('HTTP/1.1 200')
            )
              return fail(client, text.slice(0, 200))
            const end = text.lastIndexOf(MESSAGE_END)
            if (end < 0) {
              pending[client] = text
              return
            }
            const whole = text.slice(0, end)
            text = text.slice(end + MESSAGE_END.length)
            pending[client] = text
            let last: string | undefined
            for (const match of whole.matchAll(figure)) last = match[1]
            if (last === undefined) return
            if (!gotFirst[client]) {
              gotFirst[client] = 1
              started++
            }
            opts.onValue(client, Number(last), at)
          },
          close() {
            sockets[client] = null
            fail(client, 'closed by the server')
          },
          error(_socket, error) {
            fail(client, error.message)
          },
        },
      })
      sockets[client] = socket
      socket.write(request)
    } catch (error) {
      fail(client, (error as Error).message)
    }
  }

  const concurrency = opts.concurrency ?? 100
  const openBy = performance.now() + (opts.openWithinMs ?? Number.POSITIVE_INFINITY)
  for (let from = 0; from < opts.count && performance.now() < openBy; from += concurrency) {
    const wave = []
    for (let c = from; c < Math.min(opts.count, from + concurrency); c++) wave.push(connect(c))
    await Promise.all(wave)
  }

  return {
    get started() {
      return started
    },
    get failed() {
      return failed
    },
    get firstError() {
      return firstError
    },
    async allStarted(timeoutMs) {
      const deadline = performance.now() + timeoutMs
      while (started + failed < opts.count && performance.now() < deadline) await Bun.sleep(50)
      return started === opts.count
    },
    close() {
      closing = true
      for (const socket of sockets) socket?.end()
    },
  }
}
