import { afterAll, describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { cruise, type ICruiseResult } from 'dependency-cruiser'
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options'
import rules, { SOURCE_FOLDERS } from './import-rules.ts'

const ROOT = join(import.meta.dir, '../..')
// Read as `bun run deps` reads it, so the test and the command judge alike.
const options = await extractDepcruiseOptions(join(import.meta.dir, 'import-rules.ts'))

/**
 * Every broken rule under `baseDir`, one line each: the importing file, the import as written in
 * it, the file it resolves to, and the rule with its reason.
 */
async function violations(baseDir: string): Promise<string[]> {
  const { output } = await cruise(SOURCE_FOLDERS, { ...options, baseDir })
  const result = output as ICruiseResult
  const written = (from: string, to: string) =>
    result.modules.find((m) => m.source === from)?.dependencies.find((d) => d.resolved === to)
      ?.module ?? to
  const comments = new Map(rules.forbidden?.map((r) => [r.name, r.comment]))
  return result.summary.violations.map((v) => {
    const cycle = v.cycle?.length
      ? ` (cycle: ${[v.from, ...v.cycle.map((c) => c.name)].join(' → ')})`
      : ''
    return `${v.from} imports '${written(v.from, v.to)}' (${v.to})${cycle}: ${v.rule.name} — ${comments.get(v.rule.name)}`
  })
}

const fixtures: string[] = []
afterAll(() => {
  for (const dir of fixtures) rmSync(dir, { recursive: true, force: true })
})

/** A tiny tree of TypeScript files in a temporary folder, laid out like the shop. */
function fixtureTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'streamshop-imports-'))
  fixtures.push(dir)
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), source)
  }
  return dir
}

describe('imports run one way: web → services → shared', () => {
  test('the shop breaks no import rule', async () => {
    expect(await violations(ROOT)).toEqual([])
  })

  test('a wrong arrow is reported with its file and its import', async () => {
    const dir = fixtureTree({
      'shared/db/schema.ts': "export * from '../../services/carts/schema.ts'\n",
      'shared/events/envelope.ts': "import type { BusRecord } from '../bus/types.ts'\n",
      'shared/events/a.ts': "import './b.ts'\n",
      'shared/events/b.ts': "import './a.ts'\n",
      'shared/bus/types.ts': 'export interface BusRecord {}\n',
      'services/carts/schema.ts': 'export const cartItems = {}\n',
      'services/carts/index.ts': "export { cartItems } from './schema.ts'\n",
      'services/carts/views.tsx': "import { Layout } from '../../web/layout.tsx'\n",
      'services/orders/orders.ts': [
        "import { cartItems } from '../carts/schema.ts'",
        "import { cartItems as allowed } from '../carts/index.ts'",
        "import { outbox } from '../../shared/bus/types.ts'",
        '',
      ].join('\n'),
      'web/layout.tsx': "import '../services/carts/index.ts'\nexport const Layout = 1\n",
      'tools/simulate/cli.ts': "import '../../services/carts/index.ts'\n",
    })
    expect((await violations(dir)).map((line) => line.split(' — ')[0]).sort()).toEqual([
      "services/carts/views.tsx imports '../../web/layout.tsx' (web/layout.tsx): services-know-no-page",
      "services/orders/orders.ts imports '../carts/schema.ts' (services/carts/schema.ts): service-uses-another-only-through-its-index",
      "shared/db/schema.ts imports '../../services/carts/schema.ts' (services/carts/schema.ts): shared-knows-no-service-or-page",
      "shared/events/a.ts imports './b.ts' (shared/events/b.ts) (cycle: shared/events/a.ts → shared/events/b.ts → shared/events/a.ts): no-circular",
      "shared/events/envelope.ts imports '../bus/types.ts' (shared/bus/types.ts): events-know-no-bus",
      "tools/simulate/cli.ts imports '../../services/carts/index.ts' (services/carts/index.ts): tools-talk-http",
    ])
  })
})
