// Shared live parts: however many streams show a part, it is subscribed to once and rendered once
// per change, every stream gets each new version, and the last stream to go ends it.
import { expect, test } from 'bun:test'
import { Hono } from 'hono'
import { type LivePart, liveParts } from '../../../shared/http/live.ts'
import { SharedParts } from '../../../shared/http/live-hub.ts'

/** A source whose state the test sets, counting its renders and subscriptions. */
function source(initial: string) {
  let state = initial
  let failNext = false
  const listeners = new Set<() => void>()
  const counts = { renders: 0, subscribed: 0, made: 0 }
  const make = (): LivePart => {
    counts.made++
    return {
      render: async () => {
        counts.renders++
        await Bun.sleep(5)
        if (failNext) {
          failNext = false
          throw new Error('the figures could not be read')
        }
        return { data: state, version: state }
      },
      subscribe(changed) {
        counts.subscribed++
        listeners.add(changed)
        return () => listeners.delete(changed)
      },
    }
  }
  return {
    make,
    counts,
    listeners,
    set(next: string) {
      state = next
      for (const l of listeners) l()
    },
    failOnce() {
      failNext = true
    },
  }
}

/** Opens `n` streams of the hub's part `key` and collects each one's data lines. */
async function streams(hub: SharedParts, key: string, make: () => LivePart, n: number) {
  const app = new Hono().get('/live', (c) => liveParts(c, [hub.part(key, make)]))
  return Promise.all(
    Array.from({ length: n }, async () => {
      const abort = new AbortController()
      const res = await app.request('/live', { signal: abort.signal })
      const reader = (res.body as ReadableStream<Uint8Array>).getReader()
      const seen: string[] = []
      const pump = (async () => {
        const decoder = new TextDecoder()
        let text = ''
        for (;;) {
          const { value, done } = await reader
            .read()
            .catch(() => ({ value: undefined, done: true }))
          if (done) return
          text += decoder.decode(value, { stream: true })
          const lines = text.split('\n')
          text = lines.pop() ?? ''
          for (const l of lines) if (l.startsWith('data: ')) seen.push(l.slice(6))
        }
      })()
      return {
        seen,
        async close() {
          abort.abort()
          await reader.cancel().catch(() => {})
          await pump
        },
      }
    }),
  )
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not seen in 5 s: ${what}`)
    await Bun.sleep(10)
  }
}

test('many streams of one part: one subscription, one render per change, every stream gets each version', async () => {
  const hub = new SharedParts()
  const figures = source('v1')
  const open = await streams(hub, 'figures:1-2', figures.make, 50)
  await until(() => open.every((s) => s.seen.length === 1), 'the first version on every stream')
  expect(figures.counts).toMatchObject({ subscribed: 1, renders: 1 })
  expect(hub.size).toBe(1)

  figures.set('v2')
  await until(() => open.every((s) => s.seen.length === 2), 'v2 on every stream')
  expect(open.every((s) => s.seen.join() === 'v1,v2')).toBe(true)
  expect(figures.counts.renders).toBe(2)

  await Promise.all(open.map((s) => s.close()))
  await until(() => figures.listeners.size === 0, 'the source unsubscribed')
  expect(hub.size).toBe(0)
})

test('a stream that comes later gets the current version without a render of its own', async () => {
  const hub = new SharedParts()
  const figures = source('v1')
  const [first] = await streams(hub, 'figures', figures.make, 1)
  await until(() => first?.seen.length === 1, 'the first stream')
  const [later] = await streams(hub, 'figures', figures.make, 1)
  await until(() => later?.seen.length === 1, 'the later stream')
  expect(later?.seen).toEqual(['v1'])
  expect(figures.counts).toMatchObject({ renders: 1, subscribed: 1, made: 1 })
  await first?.close()
  // Still watched by the later stream: the part goes on.
  figures.set('v2')
  await until(() => later?.seen.length === 2, 'v2 on the later stream')
  await later?.close()
  await until(() => hub.size === 0, 'the part dropped')
})

test('parts of different keys are separate, and a failed render is not kept for the next stream', async () => {
  const hub = new SharedParts()
  const a = source('a1')
  const b = source('b1')
  const [onA] = await streams(hub, 'part:a', a.make, 1)
  const [onB] = await streams(hub, 'part:b', b.make, 1)
  await until(() => onA?.seen.length === 1 && onB?.seen.length === 1, 'both parts')
  expect(hub.size).toBe(2)
  // The render fails: that stream ends (its client reconnects), and the next one renders anew.
  b.failOnce()
  b.set('b2')
  await until(() => hub.size === 1, 'the failed stream ended, and with it the part b')
  const [again] = await streams(hub, 'part:b', b.make, 1)
  await until(() => again?.seen.at(-1) === 'b2', 'b2 on the reconnected stream')
  expect(onA?.seen).toEqual(['a1'])
  await Promise.all([onA?.close(), onB?.close(), again?.close()])
})
