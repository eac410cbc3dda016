import type { Context } from 'hono'
import { type SSEStreamingApi, streamSSE } from 'hono/streaming'

/** What a live stream sends: `data` when `version` differs from what the client last got. */
export interface LiveMessage {
  data: string
  /** Equal versions are not sent again (a timestamp inside `data` does not make it new). */
  version: string
}

export interface LiveStreamOptions {
  /** The current state, rendered; null sends nothing. */
  render(): LiveMessage | null | Promise<LiveMessage | null>
  /** Calls `changed` whenever the state may have changed; returns how to stop. */
  subscribe(changed: () => void): () => void
  /** SSE event name; unnamed messages are what htmx swaps into the connecting element. */
  event?: string
  /** Updates at most this often (ms); changes in between are coalesced into one. */
  minIntervalMs?: number
  /** A comment is sent after this much silence (ms), under Bun's 10 s idle timeout. */
  heartbeatMs?: number
}

const HEARTBEAT_MS = 5000

/**
 * A Server-Sent Events stream of one piece of state: its current rendering on connect (a client
 * that reconnects, with or without Last-Event-ID, gets a fresh snapshot rather than a replay),
 * then a new one whenever it changes, coalesced; heartbeats in between; and on disconnect the
 * subscription ends.
 */
export function liveStream(c: Context, opts: LiveStreamOptions): Response {
  return streamSSE(c, async (stream) => {
    let dirty = true
    let wake: (() => void) | null = null
    const changed = () => {
      dirty = true
      wake?.()
    }
    const unsubscribe = opts.subscribe(changed)
    stream.onAbort(() => {
      unsubscribe()
      wake?.()
    })
    try {
      await run(stream, opts, {
        isDirty: () => dirty,
        clean: () => {
          dirty = false
        },
        waitForChange: (ms) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, ms)
            wake = () => {
              clearTimeout(timer)
              resolve()
            }
          }).finally(() => {
            wake = null
          }),
      })
    } finally {
      unsubscribe()
    }
  })
}

interface Signals {
  isDirty(): boolean
  clean(): void
  waitForChange(ms: number): Promise<void>
}

async function run(stream: SSEStreamingApi, opts: LiveStreamOptions, s: Signals): Promise<void> {
  const heartbeat = opts.heartbeatMs ?? HEARTBEAT_MS
  let lastVersion: string | null = null
  let lastSentAt = 0
  let id = 0
  while (!stream.aborted && !stream.closed) {
    if (s.isDirty()) {
      const wait = lastSentAt + (opts.minIntervalMs ?? 0) - Date.now()
      if (wait > 0) await Bun.sleep(wait)
      s.clean()
      const message = await opts.render()
      if (message && message.version !== lastVersion) {
        lastVersion = message.version
        lastSentAt = Date.now()
        await stream.writeSSE({ data: message.data, event: opts.event, id: String(++id) })
      }
    }
    if (s.isDirty()) continue
    const before = Date.now()
    await s.waitForChange(heartbeat)
    if (!s.isDirty() && Date.now() - before >= heartbeat && !stream.aborted) {
      await stream.write(': heartbeat\n\n')
    }
  }
}
