// `bun run bench [name...] [--flag=value ...]`: runs the named benchmarks, or all of them.
import { parseArgs } from 'node:util'
import * as dashboard from './dashboard.ts'
import * as ingest from './ingest.ts'
import { runCleanups } from './lib/cleanup.ts'
import * as pages from './pages.ts'
import * as recs from './recs.ts'
import * as saga from './saga.ts'

/** Flags after the names, as given (`--duration=5`); each benchmark reads the ones it knows. */
export type BenchFlags = Record<string, string | boolean | undefined>

export interface Benchmark {
  description: string
  run(flags: BenchFlags): Promise<void>
}

const benchmarks: Record<string, Benchmark> = { dashboard, ingest, pages, recs, saga }

const { positionals, values } = parseArgs({ allowPositionals: true, strict: false })
const names = positionals.length > 0 ? positionals : Object.keys(benchmarks)
const unknown = names.filter((n) => !(n in benchmarks))
if (unknown.length > 0) {
  console.error(
    `Unknown benchmark: ${unknown.join(', ')}. Known: ${Object.keys(benchmarks).join(', ')}`,
  )
  process.exit(2)
}

// Children (servers, a local broker) would outlive an interrupted run and keep their ports.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping child processes and the broker`)
    void runCleanups().finally(() => process.exit(130))
  })
}

let failed = false
for (const name of names) {
  const bench = benchmarks[name] as Benchmark
  console.log(`\n== ${name}: ${bench.description}`)
  try {
    await bench.run(values)
  } catch (error) {
    failed = true
    console.error(`${name} failed:`, error)
  } finally {
    await runCleanups()
  }
}
process.exit(failed ? 1 : 0)
