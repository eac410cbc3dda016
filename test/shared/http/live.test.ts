// The live streams under every SSE endpoint: several parts on one stream, each sent when it changes,
// a heartbeat through silence, and every subscription ended when the client goes.
import { expect, test } from 'bun:test'
import { Hono } from 'hono'
import { type LivePart, liveParts } from '../../../shared/http/live.ts'

/** A part whose state the test sets; `notify` tells the stream it may have changed. */
function part(initial: string) {
  let state = initial
  const listeners = new Set<() => void>()
  const live: LivePart = {
    render: () => ({ data: state, version: state }),
    subscribe(changed) {
      listeners.add(changed)
      return () => listeners.delete(changed)
    },
  }
  return {
    live,
    listeners,
    set(next: string) {
      state = next
      for (const l of listeners) l()
    },
    notify() {
      for (const l of listeners) l()
    },
  }
}

/** Opens the stream and collects what arrives, as text. */
async function open(parts: LivePart[], heartbeatMs?: number) {
  const app = new Hono().get('/live', (c) => liveParts(c, parts, { heartbeatMs }))
  const abort = new AbortController()
  const res = await app.request('/live', { signal: abort.signal })
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  let text = ''
  const pump = (async () => {
    const decoder = new TextDecoder()
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }))
      if (done) return
      text += decoder.decode(value)
    }
  })()
  const until = async (check: (t: string) => boolean, ms = 2000) => {
    const deadline = Date.now() + ms
    while (!check(text)) {
      if (Date.now() > deadline) throw new Error(`not seen in ${ms} ms; got:\n${text}`)
      await Bun.sleep(10)
    }
  }
  return {
    text: () => text,
    until,
    async close() {
      abort.abort()
      await reader.cancel().catch(() => {})
      await pump
    },
  }
}

const dataLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => l.slice(6))

test('each part is sent on connect, then only the part that changed, and never the same twice', async () => {
  const a = part('a1')
  const b = part('b1')
  const stream = await open([a.live, b.live])
  await stream.until((t) => dataLines(t).length === 2)
  expect(dataLines(stream.text())).toEqual(['a1', 'b1'])
  b.set('b2')
  await stream.until((t) => dataLines(t).length === 3)
  a.notify() // nothing new in a
  b.set('b3')
  await stream.until((t) => dataLines(t).length === 4)
  await Bun.sleep(50)
  expect(dataLines(stream.text())).toEqual(['a1', 'b1', 'b2', 'b3'])
  await stream.close()
})

test('a heartbeat goes out through silence, even while a part keeps re-rendering the same thing', async () => {
  const busy = part('same')
  const stream = await open([busy.live], 200)
  await stream.until((t) => dataLines(t).length === 1)
  const timer = setInterval(() => busy.notify(), 30)
  try {
    await stream.until((t) => t.includes(': heartbeat'), 1500)
  } finally {
    clearInterval(timer)
  }
  await stream.close()
})

test('closing the stream ends every subscription', async () => {
  const a = part('a')
  const b = part('b')
  const stream = await open([a.live, b.live])
  await stream.until((t) => dataLines(t).length === 2)
  expect(a.listeners.size + b.listeners.size).toBe(2)
  await stream.close()
  const deadline = Date.now() + 2000
  while (a.listeners.size + b.listeners.size > 0 && Date.now() < deadline) await Bun.sleep(10)
  expect(a.listeners.size + b.listeners.size).toBe(0)
})

test('over a real socket, a client that goes ends the subscriptions; one that stays gets each change', async () => {
  const a = part('a1')
  const app = new Hono().get('/live', (c) => liveParts(c, [a.live]))
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: app.fetch })
  try {
    const abort = new AbortController()
    const res = await fetch(`http://127.0.0.1:${server.port}/live`, { signal: abort.signal })
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    let text = ''
    const readUntil = async (check: (t: string) => boolean) => {
      const deadline = Date.now() + 3000
      while (!check(text) && Date.now() < deadline) {
        const { value, done } = await reader.read()
        if (done) break
        text += decoder.decode(value, { stream: true })
      }
    }
    await readUntil((t) => dataLines(t).length === 1)
    a.set('a2\nsecond line')
    await readUntil((t) => dataLines(t).length === 3)
    // A multi-line message is one event of several data lines, with its id.
    expect(text).toContain('data: a2\ndata: second line\nid: 2\n\n')
    expect(a.listeners.size).toBe(1)
    abort.abort()
    const deadline = Date.now() + 3000
    while (a.listeners.size > 0 && Date.now() < deadline) await Bun.sleep(10)
    expect(a.listeners.size).toBe(0)
  } finally {
    server.stop(true)
  }
})
