// When commits wake the relay: at a light pace each one at once (a lone event is not held back for
// a batch that is not coming), under load at most once per window (batches, fewer cursor commits).
import { expect, test } from 'bun:test'
import { throttled } from '../../../shared/bus/commit.ts'

test('calls a quarter of the window or more apart each wake at once', async () => {
  const wakes: number[] = []
  const wake = throttled(() => wakes.push(performance.now()), 40)
  for (let i = 0; i < 5; i++) {
    const called = performance.now()
    wake()
    expect(wakes.length).toBe(i + 1)
    expect((wakes.at(-1) as number) - called).toBeLessThan(2)
    await Bun.sleep(15)
  }
})

test('calls close together wake at most once per window, and the last one is never lost', async () => {
  let wakes = 0
  const wake = throttled(() => wakes++, 40)
  const started = performance.now()
  while (performance.now() - started < 200) {
    wake()
    await Bun.sleep(1)
  }
  // 200 ms of calls 1 ms apart: the first at once, then one per 40 ms window.
  expect(wakes).toBeGreaterThanOrEqual(4)
  expect(wakes).toBeLessThanOrEqual(7)
  // The calls of the last window are answered by a wake after it (unless one had just gone).
  const before = wakes
  wake()
  await Bun.sleep(60)
  expect(wakes).toBe(before + 1)
})
