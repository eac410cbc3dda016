// Memory of the models, each measured in a fresh process of its own (this file, run as a child):
// the heap and resident size after a full GC, before and after the models learn the seeded catalog
// and the bench shoppers' history. The events are generated one at a time and dropped once applied,
// so the difference is what the models keep, not the input.
import { Recommender } from '../services/recommender/recommender.ts'
import { catalogEnvelopes, catalogFacts, demoCatalog, historyEnvelopes } from './recs-history.ts'
import { NaiveRecommender } from './recs-naive.ts'

export type MemoryTarget = 'streamshop' | 'naive'

export interface MemoryFigures {
  target: MemoryTarget
  events: number
  /** JavaScript heap in use, after minus before, bytes. */
  heapBytes: number
  /** Resident set size, after minus before, bytes (includes the allocator's slack). */
  rssBytes: number
  /** The trained matrix model's weights, bytes (Streamshop only). */
  easeBytes?: number
}

const RESULT = 'BENCH_MEMORY='

function settled(): { heap: number; rss: number } {
  Bun.gc(true)
  Bun.gc(true)
  const m = process.memoryUsage()
  return { heap: m.heapUsed, rss: m.rss }
}

interface Built {
  events: number
  easeBytes?: number
  models: unknown
}

function buildStreamshop(endAt: number): Built {
  const recommender = new Recommender()
  recommender.setCategoryNames(new Map(demoCatalog().categories.map((c) => [c.id, c.name])))
  for (const e of catalogEnvelopes()) recommender.apply(e)
  let events = 0
  for (const e of historyEnvelopes({ endAt })) {
    recommender.apply(e)
    events++
  }
  // The service trains on a worker and swaps the model in: a replica holds it too.
  const { bytes } = recommender.engine.train()
  return { events, easeBytes: bytes, models: recommender }
}

function buildNaive(endAt: number): Built {
  const naive = new NaiveRecommender(catalogFacts())
  for (const e of historyEnvelopes({ endAt })) naive.apply(e)
  return { events: naive.events, models: naive }
}

/** Builds one target's models in this process and reports what they hold. */
function measureHere(target: MemoryTarget): MemoryFigures {
  const endAt = Date.now()
  // Generated (and cached) before the first reading: the input is not the models.
  demoCatalog()
  const before = settled()
  const built = target === 'streamshop' ? buildStreamshop(endAt) : buildNaive(endAt)
  const after = settled()
  return {
    target,
    events: built.events,
    heapBytes: after.heap - before.heap,
    rssBytes: after.rss - before.rss,
    easeBytes: built.easeBytes,
  }
}

/** Runs this file in a fresh Bun process for `target` and reads its figures. */
export async function measureMemory(target: MemoryTarget): Promise<MemoryFigures> {
  const proc = Bun.spawn([process.execPath, import.meta.path, target], {
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  const line = out.split('\n').find((l) => l.startsWith(RESULT))
  if (code !== 0 || !line) throw new Error(`memory probe (${target}) failed: ${err || out}`)
  return JSON.parse(line.slice(RESULT.length)) as MemoryFigures
}

if (import.meta.main) {
  const target = process.argv[2]
  if (target !== 'streamshop' && target !== 'naive') {
    console.error('usage: bun bench/recs-memory.ts streamshop|naive')
    process.exit(2)
  }
  console.log(`${RESULT}${JSON.stringify(measureHere(target))}`)
}
