// `bun run dlq list|replay <topic> [--offset N]`: dead letters with their errors, and replaying them.
import { deadLetterTopic, listDeadLetters, replayDeadLetters } from '../consumers/dlq.ts'
import { catalogWithDlqs } from '../events/topics.ts'
import { connect } from './connect.ts'

const USAGE = `Usage: bun run dlq <command> <topic> [--offset N]
  list <topic>               every dead letter of <topic>.dlq with its error and origin
  replay <topic>             publish every dead letter back to <topic>
  replay <topic> --offset N  publish the dead letter at offset N of <topic>.dlq back to <topic>
<topic> is a consumed topic (user-events) or its DLQ (user-events.dlq).`

function parseOffset(args: string[]): bigint | undefined {
  const i = args.indexOf('--offset')
  if (i < 0) return undefined
  const raw = args[i + 1] ?? ''
  if (!/^\d+$/.test(raw)) {
    console.error(`--offset needs a record offset (a whole number), got '${raw}'`)
    process.exit(2)
  }
  return BigInt(raw)
}

async function main(): Promise<void> {
  const [command, topic, ...rest] = process.argv.slice(2)
  if ((command !== 'list' && command !== 'replay') || !topic) {
    console.error(USAGE)
    process.exit(2)
  }
  const { dlq } = deadLetterTopic(topic)
  if (!catalogWithDlqs().some((t) => t.name === dlq)) {
    console.error(`${dlq} is not in the topic catalog: only consumed topics have a DLQ`)
    process.exit(2)
  }
  const offset = parseOffset(rest)
  const { bus, close } = await connect()
  try {
    if (command === 'list') {
      const letters = await listDeadLetters(bus, topic)
      console.log(`${dlq}: ${letters.length} dead letter${letters.length === 1 ? '' : 's'}`)
      for (const l of letters) {
        console.log(
          `@${l.offset} ${l.failedAt ?? '?'} ${l.type ?? '?'} id=${l.eventId ?? '?'} key=${l.key ?? '(null)'}`,
        )
        console.log(
          `  from ${l.sourceTopic}[${l.sourcePartition ?? '?'}]@${l.sourceOffset ?? '?'} group=${l.group ?? '?'} reason=${l.reason ?? '?'} attempts=${l.attempts ?? '?'}`,
        )
        console.log(`  error: ${l.error ?? '?'}`)
      }
    } else {
      const replayed = await replayDeadLetters(bus, topic, { offset })
      console.log(
        `Replayed ${replayed.length} record${replayed.length === 1 ? '' : 's'} from ${dlq} to ${deadLetterTopic(topic).source}: ${replayed.map((l) => `@${l.offset}`).join(' ')}`,
      )
    }
  } catch (error) {
    console.error((error as Error).message)
    process.exitCode = 1
  } finally {
    await close()
  }
}

await main()
