import type { Context } from 'hono'
import { log } from '../observability/log.ts'

/** What a live stream sends: `data` when `version` differs from what the client last got. */
export interface LiveMessage {
  data: string
  /** Equal versions are not sent again (a timestamp inside `data` does not make it new). */
  version: string
}

/** One piece of state a stream carries. */
export interface LivePart {
  /** The current state, rendered; null sends nothing. */
  render(): LiveMessage | null | Promise<LiveMessage | null>
  /** Calls `changed` whenever the state may have changed; returns how to stop. */
  subscribe(changed: () => void): () => void
  /** SSE event name; unnamed messages are what htmx swaps (or places, as partials). */
  event?: string
  /** Updates at most this often (ms); changes in between are coalesced into one. */
  minIntervalMs?: number
}

export interface LiveStreamOptions extends LivePart {
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
  return liveParts(c, [opts], { heartbeatMs: opts.heartbeatMs })
}

interface PartState {
  part: LivePart
  dirty: boolean
  lastVersion: string | null
  lastSentAt: number
}

/** Bun's direct stream: the DOM typings this project also loads hide its constructor. */
const DirectStream = ReadableStream as unknown as new (
  source: Bun.DirectUnderlyingSource,
) => ReadableStream<Uint8Array>

/** What a stream writes to: one SSE frame or comment at a time, and whether it is still open. */
interface SseSink {
  open(): boolean
  write(text: string): Promise<void>
}

/** An SSE message: its event name, its data (a line per line) and its id. */
function frame(message: { data: string; event?: string | undefined; id: number }): string {
  const data = message.data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}`)
    .join('\n')
  return `${message.event ? `event: ${message.event}\n` : ''}${data}\nid: ${message.id}\n\n`
}

/**
 * One stream carrying several pieces of state (a page's live panels): each is sent on connect and
 * again whenever it changes, on its own — a busy part never holds back a quiet one — with one
 * heartbeat for the stream and every subscription ended on disconnect.
 *
 * The body is one of Bun's direct streams: what is written goes to the socket with no queue of
 * its own, which halves what an open stream costs (a dashboard holds thousands).
 */
export function liveParts(
  c: Context,
  parts: readonly LivePart[],
  opts: { heartbeatMs?: number } = {},
): Response {
  // Only what the stream needs of the request is kept: the context (and all it holds) can go.
  const signal = c.req.raw.signal
  const path = c.req.path
  let cancelled = false
  let wake: (() => void) | null = null
  const body = new DirectStream({
    type: 'direct',
    async pull(controller: ReadableStreamDirectController) {
      const states: PartState[] = parts.map((part) => ({
        part,
        dirty: true,
        lastVersion: null,
        lastSentAt: 0,
      }))
      const unsubscribes = states.map((state) =>
        state.part.subscribe(() => {
          state.dirty = true
          wake?.()
        }),
      )
      const unsubscribe = () => {
        for (const stop of unsubscribes.splice(0)) stop()
      }
      const stop = () => {
        unsubscribe()
        wake?.()
      }
      signal.addEventListener('abort', stop, { once: true })
      const sink: SseSink = {
        open: () => !cancelled && !signal.aborted,
        write: async (text) => {
          try {
            controller.write(text)
            await controller.flush()
          } catch {
            // The client went while we wrote: the stream is over.
            cancelled = true
          }
        },
      }
      const waitForChange = (ms: number) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms)
          wake = () => {
            clearTimeout(timer)
            resolve()
          }
        }).finally(() => {
          wake = null
        })
      try {
        await run(sink, states, opts.heartbeatMs ?? HEARTBEAT_MS, waitForChange)
      } catch (error) {
        // A part that cannot be rendered (its database away) ends the stream; the client reconnects.
        log.warn({ err: error, path }, 'live stream ended by a failed render')
      } finally {
        signal.removeEventListener('abort', stop)
        unsubscribe()
        try {
          controller.close()
        } catch {
          // Already closed by the client going.
        }
      }
    },
    cancel() {
      cancelled = true
      wake?.()
    },
  })
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    },
  })
}

async function run(
  sink: SseSink,
  states: PartState[],
  heartbeatMs: number,
  waitForChange: (ms: number) => Promise<void>,
): Promise<void> {
  let id = 0
  // Silence is measured from the last byte written: renders that find nothing new, however
  // often, must not keep the heartbeat from going out.
  let lastWriteAt = Date.now()
  const open = () => sink.open()
  while (open()) {
    // The soonest a coalescing part may send again, if it is the only one waiting.
    let nextDue = Number.POSITIVE_INFINITY
    for (const state of states) {
      if (!state.dirty || !open()) continue
      const due = state.lastSentAt + (state.part.minIntervalMs ?? 0)
      if (due > Date.now()) {
        nextDue = Math.min(nextDue, due)
        continue
      }
      state.dirty = false
      const message = await state.part.render()
      if (message && message.version !== state.lastVersion) {
        state.lastVersion = message.version
        state.lastSentAt = Date.now()
        await sink.write(frame({ data: message.data, event: state.part.event, id: ++id }))
        lastWriteAt = Date.now()
      }
    }
    const ready = states.some(
      (s) => s.dirty && s.lastSentAt + (s.part.minIntervalMs ?? 0) <= Date.now(),
    )
    if (ready) continue
    const untilHeartbeat = lastWriteAt + heartbeatMs - Date.now()
    await waitForChange(Math.max(0, Math.min(untilHeartbeat, nextDue - Date.now())))
    if (open() && Date.now() - lastWriteAt >= heartbeatMs) {
      await sink.write(': heartbeat\n\n')
      lastWriteAt = Date.now()
    }
  }
}
