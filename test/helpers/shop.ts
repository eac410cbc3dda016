import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Hono } from 'hono'
import { type Platform, startPlatform } from '../../shared/platform.ts'
import { createShopApp } from '../../web/app.tsx'
import { tempDatabase, testConfig } from './broker.ts'

export interface TestShop {
  platform: Platform
  app: Hono
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>
  close(): Promise<void>
}

/** The whole shop on the run's broker and a fresh database file, called through `app.request`. */
export async function startTestShop(overrides: Record<string, string> = {}): Promise<TestShop> {
  const scratch = await tempDatabase()
  scratch.close()
  const platform = await startPlatform(
    testConfig({ DATABASE_URL: `file:${join(scratch.dir, 'shop.db')}`, ...overrides }),
    { allowEmbedded: false },
  )
  const app = createShopApp(platform)
  return {
    platform,
    app,
    post: (path, body, headers = {}) =>
      Promise.resolve(
        app.request(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      ),
    close: async () => {
      await platform.close()
      rmSync(scratch.dir, { recursive: true, force: true })
    },
  }
}
