// The pieces `bun run bench recs` measures with: its constant-rate client, its naive baseline and
// its shoppers' history. A bench whose instruments lie prints confident wrong numbers.
import { afterAll, describe, expect, test } from 'bun:test'
import { runOpenLoop } from '../../bench/lib/open-loop.ts'
import {
  catalogFacts,
  EVENTS_PER_USER,
  historyEnvelopes,
  shopperId,
} from '../../bench/recs-history.ts'
import { NaiveRecommender } from '../../bench/recs-naive.ts'

const servers: { stop(force: boolean): unknown }[] = []
afterAll(() => {
  for (const s of servers) s.stop(true)
})

function serveAfter(delayMs: number) {
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: async (req) => {
      if (delayMs > 0) await Bun.sleep(delayMs)
      return Response.json({ path: new URL(req.url).pathname })
    },
  })
  servers.push(server)
  return server.port as number
}

describe('the constant-rate client', () => {
  test('offers the rate whatever the answers do, and a fast server answers every request', async () => {
    const port = serveAfter(0)
    const r = await runOpenLoop({
      host: '127.0.0.1',
      port,
      rate: 500,
      durationMs: 1000,
      // Enough that a stall of this machine (CI runs the broker and the suite beside it) finds a
      // free connection: with 4, a 10 ms hiccup dropped two requests of a server that answers all.
      connections: 32,
      nextPath: () => '/fast',
    })
    expect({
      offered: r.offered,
      answered: r.answered,
      dropped: r.dropped,
      errors: r.errors,
    }).toEqual({ offered: 500, answered: 500, dropped: 0, errors: 0 })
    expect(r.latenciesMs).toHaveLength(500)
  })

  test('a slow server gets only what its connections carry: the rest is dropped, not queued', async () => {
    const port = serveAfter(100)
    const r = await runOpenLoop({
      host: '127.0.0.1',
      port,
      rate: 200,
      durationMs: 1000,
      connections: 2,
      nextPath: () => '/slow',
    })
    expect(r.offered).toBe(200)
    expect(r.answered + r.dropped + r.errors).toBe(200)
    // Two connections, 100 ms each: about 20 answers in a second, none faster than the server.
    expect(r.answered).toBeGreaterThanOrEqual(15)
    expect(r.answered).toBeLessThanOrEqual(24)
    expect(Math.min(...r.latenciesMs)).toBeGreaterThanOrEqual(99)
  })

  test('posts bodies with their headers, keeps each answer whole (chunked too), and counts another status as an error', async () => {
    const server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: async (req) => {
        const { n } = (await req.json()) as { n: number }
        if (req.headers.get('x-token') !== 'secret')
          return new Response('no token', { status: 403 })
        if (n % 10 === 0) return Response.json({ refused: n }, { status: 503 })
        const body = JSON.stringify({ orderId: `o${n}` })
        if (n % 2) return new Response(body, { status: 202 })
        // A streamed answer arrives chunked.
        const stream = new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(body.slice(0, 5)))
            controller.enqueue(new TextEncoder().encode(body.slice(5)))
            controller.close()
          },
        })
        return new Response(stream, { status: 202 })
      },
    })
    servers.push(server)
    let n = 0
    const r = await runOpenLoop({
      host: '127.0.0.1',
      port: server.port as number,
      rate: 100,
      durationMs: 500,
      connections: 16,
      next: () => ({
        method: 'POST',
        path: '/orders',
        headers: { 'x-token': 'secret', 'content-type': 'application/json' },
        body: JSON.stringify({ n: ++n }),
      }),
      expectStatus: 202,
      keepAnswers: true,
    })
    expect({ offered: r.offered, answered: r.answered, errors: r.errors }).toEqual({
      offered: 50,
      answered: 45,
      errors: 5,
    })
    expect(r.firstError).toContain('HTTP 503')
    const ids = r.answers.map((a) => (JSON.parse(a.body) as { orderId: string }).orderId)
    const expected = Array.from({ length: 50 }, (_, i) => i + 1)
      .filter((i) => i % 10 !== 0)
      .map((i) => `o${i}`)
    expect(ids.sort()).toEqual(expected.sort())
    expect(r.answers.every((a) => a.sentAt >= r.startedAt && a.ms >= 0)).toBe(true)
  })
})

describe('the naive baseline', () => {
  const view = (userId: string, itemId: string, at = 0) =>
    ({ userId, itemId, kind: 'view', at }) as const

  test('recommends what shoppers sharing items engaged with, never what the shopper has', () => {
    const naive = new NaiveRecommender()
    for (const [u, i] of [
      ['me', 'a'],
      ['me', 'b'],
      ['twin', 'a'],
      ['twin', 'b'],
      ['twin', 'c'],
      ['stranger', 'x'],
      ['stranger2', 'x'],
    ])
      naive.observe(view(u as string, i as string))
    const ranked = naive.rank('me', 3).map(([id]) => id)
    // `c` from the shopper who shares two items; then the popular `x` fills the list.
    expect(ranked).toEqual(['c', 'x'])
    expect(naive.rank('nobody', 2).map(([id]) => id)).toEqual(['a', 'b'])
  })

  test('a stream watcher hears of the shopper’s own events only', () => {
    const naive = new NaiveRecommender()
    const heard: string[] = []
    const stop = naive.watch('me', () => heard.push('me'))
    naive.observe(view('other', 'a'))
    naive.observe(view('me', 'a'))
    stop()
    naive.observe(view('me', 'b'))
    expect(heard).toEqual(['me'])
  })
})

describe('the bench shoppers', () => {
  test('the same events every time, in time order, each shopper with the same number', () => {
    const endAt = Date.UTC(2026, 0, 1)
    const once = [...historyEnvelopes({ users: 50, endAt })]
    const again = [...historyEnvelopes({ users: 50, endAt })]
    const fields = (list: typeof once) =>
      list.map((e) => [e.type, e.time, (e.data as { userId: string; productId: string }).productId])
    expect(fields(again)).toEqual(fields(once))
    const times = once.map((e) => Date.parse(e.time))
    expect(times).toEqual([...times].sort((a, b) => a - b))
    expect(times.at(-1)).toBeLessThanOrEqual(endAt)
    const perShopper = Map.groupBy(once, (e) => (e.data as { userId: string }).userId)
    expect(perShopper.size).toBe(50)
    for (const events of perShopper.values()) expect(events).toHaveLength(EVENTS_PER_USER)
    const products = new Set(catalogFacts().map((p) => p.productId))
    for (const e of once)
      expect(products.has((e.data as { productId: string }).productId)).toBe(true)
    expect(perShopper.has(shopperId(49))).toBe(true)
  })
})
