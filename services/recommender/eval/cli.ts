// `bun run eval --data <ratings> [--json] [--strategies a,b]`: the recommender's strategies scored
// offline on MovieLens ratings. Exit codes: 0 done, 1 the data is not valid MovieLens (the message
// names the file and line), 2 a usage problem (flags, strategy names, a file that cannot be read).
import { writeSync } from 'node:fs'
import { usageError as fail, parseFlags } from '../../../shared/cli/args.ts'
import { isStrategy, STRATEGIES, type Strategy } from '../models/types.ts'
import { DatasetError, loadDataset } from './dataset.ts'
import { type Evaluation, type EvaluationProgress, evaluate } from './evaluate.ts'
import { PROTOCOL } from './protocol.ts'

const USAGE = `Usage: bun run eval --data <path> [--json] [--strategies a,b]
  --data <path>       MovieLens ratings: u.data (ml-100k), ratings.csv (ml-latest) or ratings.dat
                      (ml-1m); the movies file beside it (u.item, movies.csv, movies.dat) is read too
  --json              print exactly one JSON document on stdout
  --strategies a,b    score only these (popular, the baseline, always is): ${STRATEGIES.join(', ')}`

function usageError(problem: string): never {
  fail(problem, USAGE)
}

function parseCli(argv: string[]): { data: string; json: boolean; strategies?: Strategy[] } {
  const values = parseFlags(
    argv,
    {
      data: { type: 'string' },
      json: { type: 'boolean', default: false },
      strategies: { type: 'string' },
    },
    USAGE,
  )
  if (!values.data) usageError('--data <path> is required: the ratings file to evaluate on')
  if (values.strategies === undefined) return { data: values.data, json: values.json === true }
  const names = values.strategies.split(',').map((s) => s.trim())
  const unknown = names.filter((s) => !isStrategy(s))
  if (unknown.length > 0 || names.length === 0) {
    usageError(`unknown strategy '${unknown.join("', '")}': known are ${STRATEGIES.join(', ')}`)
  }
  return { data: values.data, json: values.json === true, strategies: names as Strategy[] }
}

const PHASE_LABEL = { observing: 'learning', training: 'training', evaluating: 'ranking' } as const

/**
 * On a terminal, one bar redrawn in place; elsewhere (CI logs, pipes), a line per quarter of each
 * phase. Written with writeSync: the run is synchronous, so buffered stderr would only flush at
 * the end.
 */
function progressReporter(): (p: EvaluationProgress) => void {
  const tty = process.stderr.isTTY === true
  let lastQuarter = ''
  return ({ phase, done, total }) => {
    const share = total > 0 ? done / total : 1
    const label = `${PHASE_LABEL[phase]} ${done.toLocaleString('en')}/${total.toLocaleString('en')}`
    if (tty) {
      const width = 30
      const filled = Math.round(share * width)
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`
      const end = done === total && phase === 'evaluating' ? '\n' : ''
      writeSync(2, `\r\x1b[2K${bar} ${Math.round(share * 100)}% ${label}${end}`)
      return
    }
    const quarter = `${phase}:${Math.floor(share * 4)}`
    if (quarter === lastQuarter) return
    lastQuarter = quarter
    writeSync(2, `eval: ${label} (${Math.round(share * 100)}%)\n`)
  }
}

function table(evaluation: Evaluation): string {
  const header = [
    'strategy',
    'precision@10',
    'recall@10',
    'NDCG@10',
    'coverage',
    'train ms',
    '× popular NDCG',
  ]
  const rows = evaluation.strategies.map((s) => [
    s.name,
    s['precision@10'].toFixed(4),
    s['recall@10'].toFixed(4),
    s['ndcg@10'].toFixed(4),
    s.coverage.toFixed(4),
    Math.round(s.trainMs).toLocaleString('en'),
    s.vsPopular === null ? '—' : `${s.vsPopular.toFixed(2)}×`,
  ])
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)))
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
  return [line(header), ...rows.map(line)].map((cells) => cells.join('  ')).join('\n')
}

function summary(e: Evaluation): string {
  const { data } = e
  const movies = data.itemsPath ? `, items from ${data.itemsPath}` : ', no movies file beside it'
  return (
    `${data.path} (${data.format}${movies}): ${data.ratings.toLocaleString('en')} ratings by ` +
    `${data.users.toLocaleString('en')} users of ${data.items.toLocaleString('en')} items; ` +
    `train ${e.interactions.train.toLocaleString('en')}, test ${e.interactions.test.toLocaleString('en')}, ` +
    `${e.usersEvaluated.toLocaleString('en')} users evaluated; ease trained in ${Math.round(e.train.ms)} ms (λ ${Math.round(e.train.lambda)}, chosen on the training data).`
  )
}

function main(): void {
  const options = parseCli(process.argv.slice(2))
  if (!options.json) console.log(`${PROTOCOL}\n`)
  let dataset: ReturnType<typeof loadDataset>
  try {
    dataset = loadDataset(options.data)
  } catch (error) {
    if (error instanceof DatasetError) {
      console.error(`eval: ${error.message}`)
      process.exit(1)
    }
    // The file is missing, a directory, or not ours to read: a usage problem, not bad data.
    usageError(`cannot read --data ${options.data}: ${(error as Error).message}`)
  }
  const evaluation = evaluate(dataset, {
    strategies: options.strategies,
    onProgress: progressReporter(),
  })
  if (options.json) {
    console.log(JSON.stringify(evaluation, null, 2))
    return
  }
  console.log(`${summary(evaluation)}\n\n${table(evaluation)}`)
}

main()
