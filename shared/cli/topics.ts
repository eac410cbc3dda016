// `bun run topics create|describe|lag|tail [topic]`: the topic catalog, offsets, lag, and a live tail.
import type { ConsumedRecord } from '../bus/types.ts'
import { catalogWithDlqs } from '../events/topics.ts'
import { connect } from './connect.ts'

const USAGE = `Usage: bun run topics <command> [topic]
  create [topic]            create the catalog (or one of its topics) if missing
  describe [topic]          partitions with start and end offsets
  lag [topic]               committed offset and lag of every consumer group, per partition
  tail <topic> [--last N]   print the last N records of each partition (default 10), then follow`

function pickTopics(arg: string | undefined): string[] {
  const all = catalogWithDlqs().map((t) => t.name)
  if (!arg) return all
  if (!all.includes(arg)) {
    console.error(`Unknown topic ${arg}. The catalog has: ${all.join(', ')}`)
    process.exit(2)
  }
  return [arg]
}

function printRecord(r: ConsumedRecord): void {
  const headers = Object.entries(r.headers)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')
  console.log(
    `${r.topic}[${r.partition}]@${r.offset} ${new Date(r.timestamp).toISOString()} key=${r.key ?? '(null)'}`,
  )
  console.log(`  headers: ${headers}`)
  console.log(`  value:   ${r.value}`)
}

async function main(): Promise<void> {
  const [command, topicArg, ...rest] = process.argv.slice(2)
  if (!command || !['create', 'describe', 'lag', 'tail'].includes(command)) {
    console.error(USAGE)
    process.exit(2)
  }
  const { bus, close } = await connect()
  if (command === 'create') {
    const names = new Set(pickTopics(topicArg))
    await bus.ensureTopics(catalogWithDlqs().filter((t) => names.has(t.name)))
    console.log(`ready: ${[...names].join(', ')}`)
  } else if (command === 'describe') {
    for (const d of await bus.describeTopics(pickTopics(topicArg))) {
      const total = d.partitions.reduce((n, p) => n + (p.end - p.start), 0n)
      console.log(`${d.name}  partitions=${d.partitions.length}  records=${total}`)
      for (const p of d.partitions) console.log(`  [${p.partition}] start=${p.start} end=${p.end}`)
    }
  } else if (command === 'lag') {
    const topics = pickTopics(topicArg)
    for (const group of (await bus.listGroups()).sort()) {
      const rows = (await bus.lag(group, topics)).filter((r) => r.committed !== null)
      if (rows.length === 0) continue
      const total = rows.reduce((n, r) => n + r.lag, 0n)
      console.log(`${group}  lag=${total}`)
      for (const r of rows)
        console.log(
          `  ${r.topic}[${r.partition}] committed=${r.committed} end=${r.end} lag=${r.lag}`,
        )
    }
  } else {
    const [topic] = pickTopics(topicArg ?? '')
    const lastIndex = rest.indexOf('--last')
    const last = lastIndex >= 0 ? Number(rest[lastIndex + 1]) : 10
    const group = `streamshop-tail-${Bun.randomUUIDv7()}`
    await bus.seek(group, topic as string, { last: Number.isFinite(last) ? last : 10 })
    const sub = await bus.subscribe({
      group,
      topics: [topic as string],
      handler: async (r) => printRecord(r),
    })
    const stop = async () => {
      await sub.close()
      await bus.deleteGroup(group).catch(() => {})
      await close()
      process.exit(0)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    return
  }
  await close()
}

await main()
