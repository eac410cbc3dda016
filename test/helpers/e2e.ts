// The whole shop as `bun run dev` runs it (`bun web/main.ts`), on the run's broker and a fresh
// database, driven by Debian's chromium: what the browser tests share.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { freePort } from '../../shared/broker/local-kafka.ts'
import { eventually, testBrokers } from './broker.ts'

const ROOT = join(import.meta.dir, '../..')
const SHOTS = join(import.meta.dir, '../e2e/screenshots')
const CHROMIUM = Bun.which('chromium') ?? Bun.which('chromium-browser')

export interface BrowserShop {
  /** The shop's address, `http://127.0.0.1:<port>`. */
  base: string
  browser: Browser
  /** Saves a full-page screenshot as test/e2e/screenshots/<name>.png. */
  shot(page: Page, name: string): Promise<void>
  close(): Promise<void>
}

/** Starts the shop (with `env` on top of the test's settings) and a headless browser. */
export async function startBrowserShop(env: Record<string, string> = {}): Promise<BrowserShop> {
  if (!CHROMIUM)
    throw new Error("Browser tests need Debian's chromium: apt-get install -y chromium")
  mkdirSync(SHOTS, { recursive: true })
  const dir = mkdtempSync(join(tmpdir(), 'streamshop-e2e-'))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const { KAFKA_BROKERS: _ignored, ...inherited } = process.env
  const server = Bun.spawn(['bun', 'web/main.ts'], {
    cwd: ROOT,
    env: {
      ...inherited,
      PORT: String(port),
      KAFKA_BROKERS: testBrokers().join(','),
      DATABASE_URL: `file:${join(dir, 'shop.db')}`,
      STATE_DIR: dir,
      LOG_LEVEL: 'warn',
      OUTBOX_POLL_MS: '20',
      // The run's broker holds every earlier test's events: the models start from now.
      RECOMMENDER_REPLAY_FROM: new Date().toISOString(),
      ...env,
    },
    stdout: 'ignore',
    stderr: 'inherit',
  })
  let browser: Browser | null = null
  const close = async () => {
    await browser?.close()
    server.kill('SIGTERM')
    await server.exited
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await eventually(async () => (await fetch(`${base}/readyz`)).status === 200, 90_000, 'the shop')
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
  } catch (error) {
    await close()
    throw error
  }
  return {
    base,
    browser,
    shot: async (page, name) => {
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
    },
    close,
  }
}
