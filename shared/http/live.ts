import type { Context } from 'hono'
import { type SSEStreamingApi, streamSSE } from 'hono/streaming'
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

/**
 * One stream carrying several pieces of state (a page's live panels): each is sent on connect and
 * again whenever it changes, on its own — a busy part never holds back a quiet one — with one
 * heartbeat for the stream and every subscription ended on disconnect.
 */
export function liveParts(
  c: Context,
  parts: readonly LivePart[],
  opts: { heartbeatMs?: number } = {},
): Response {
  return streamSSE(c, async (stream) => {
    const states: PartState[] = parts.map((part) => ({
      part,
      dirty: true,
      lastVersion: null,
      lastSentAt: 0,
    }))
    let wake: (() => void) | null = null
    const unsubscribes = states.map((state) =>
      state.part.subscribe(() => {
        state.dirty = true
        wake?.()
      }),
    )
    const unsubscribe = () => {
      for (const stop of unsubscribes.splice(0)) stop()
    }
    stream.onAbort(() => {
      unsubscribe()
      wake?.()
    })
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
      await run(stream, states, opts.heartbeatMs ?? HEARTBEAT_MS, waitForChange)
    } catch (error) {
      // A part that cannot be rendered (its database away) ends the stream; the client reconnects.
      log.warn({ err: error, path: c.req.path }, 'live stream ended by a failed render')
    } finally {
      unsubscribe()
    }
  })
}

async function run(
  stream: SSEStreamingApi,
  states: PartState[],
  heartbeatMs: number,
  waitForChange: (ms: number) => Promise<void>,
): Promise<void> {
  let id = 0
  // Silence is measured from the last byte written: renders that find nothing new, however
  // often, must not keep the heartbeat from going out.
  let lastWriteAt = Date.now()
  const open = () => !stream.aborted && !stream.closed
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
        await stream.writeSSE({ data: message.data, event: state.part.event, id: String(++id) })
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
      await stream.write(': heartbeat\n\n')
      lastWriteAt = Date.now()
    }
  }
}
