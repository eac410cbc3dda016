// `bun run eval` as a person runs it: a real process on generated MovieLens data with planted
// taste, where every personalised strategy must beat popularity by a clear margin.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { STRATEGIES } from '../../../services/recommender/models/types.ts'
import { writeMovieLens } from '../../helpers/movielens.ts'

const ROOT = join(import.meta.dir, '../../..')
const root = mkdtempSync(join(tmpdir(), 'eval-cli-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

async function runEval(args: string[]) {
  const proc = Bun.spawn(['bun', 'services/recommender/eval/cli.ts', ...args], {
    cwd: ROOT,
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  return { stdout, stderr, code }
}

interface StrategyJson {
  name: string
  'precision@10': number
  'recall@10': number
  'ndcg@10': number
  coverage: number
  trainMs: number
  vsPopular: number | null
}

describe('bun run eval', () => {
  test('scores every strategy, and the personalised ones beat popularity on planted taste', async () => {
    const { ratings } = writeMovieLens(join(root, 'planted'), {
      format: 'ratings.csv',
      users: 300,
      items: 200,
      clusters: 8,
      perUser: 40,
      seed: 42,
    })
    const { stdout, stderr, code } = await runEval(['--data', ratings, '--json'])
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' })
    const result = JSON.parse(stdout) as { protocol: string; strategies: StrategyJson[] }
    expect(result.protocol).toContain('latest 20%')
    expect(result.strategies.map((s) => s.name).sort()).toEqual([...STRATEGIES].sort())
    for (const s of result.strategies) {
      for (const metric of ['precision@10', 'recall@10', 'ndcg@10', 'coverage'] as const) {
        expect(s[metric]).toBeGreaterThanOrEqual(0)
        expect(s[metric]).toBeLessThanOrEqual(1)
      }
      expect(s.trainMs).toBeGreaterThanOrEqual(0)
    }
    const ndcg = Object.fromEntries(result.strategies.map((s) => [s.name, s['ndcg@10']]))
    const popular = ndcg.popular as number
    expect(popular).toBeGreaterThan(0)
    const personalised = ['item-item', 'content', 'session', 'ease', 'hybrid']
    const beating = personalised.filter((name) => (ndcg[name] as number) >= 1.2 * popular)
    expect({ beating, ndcg }).toEqual({ beating: personalised, ndcg })
  })

  test('prints the protocol, then a table with a row per chosen strategy', async () => {
    const { ratings } = writeMovieLens(join(root, 'table'), {
      format: 'u.data',
      users: 40,
      items: 60,
      clusters: 4,
      perUser: 10,
      seed: 1,
    })
    const { stdout, stderr, code } = await runEval(['--data', ratings, '--strategies', 'ease'])
    expect(code).toBe(0)
    expect(stdout).toStartWith('Temporal split per user')
    const rows = stdout.split('\n').filter((l) => /^(strategy|popular|ease)\s{2,}/.test(l))
    expect(rows.map((l) => l.split(/\s+/)[0])).toEqual(['strategy', 'popular', 'ease'])
    // Not a terminal: progress comes as occasional lines.
    expect(stderr).toContain('eval: ranking 80/80 (100%)')
  })

  test('a corrupt file fails, naming its line', async () => {
    const path = join(root, 'corrupt.csv')
    writeFileSync(path, 'userId,movieId,rating,timestamp\n1,1,4,964982703\n1,2,x,964982704\n')
    const { code, stderr } = await runEval(['--data', path, '--json'])
    expect(code).toBe(1)
    expect(stderr).toContain(`${path}:3: rating 'x' is not a number`)
  })

  test('missing --data, an unknown flag or strategy, or no such file: exit 2 with usage', async () => {
    const missing = await runEval(['--json'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('--data <path> is required')
    expect(missing.stderr).toContain('Usage: bun run eval')
    const flag = await runEval(['--data', 'x', '--fast'])
    expect(flag.code).toBe(2)
    expect(flag.stderr).toContain("Unknown option '--fast'")
    const strategy = await runEval(['--data', 'x', '--strategies', 'ease,magic'])
    expect(strategy.code).toBe(2)
    expect(strategy.stderr).toContain("unknown strategy 'magic'")
    const nothing = await runEval(['--data', join(root, 'nope.csv')])
    expect(nothing.code).toBe(2)
    expect(nothing.stderr).toContain(`cannot read --data ${join(root, 'nope.csv')}`)
  })
})
