import { z } from 'zod'
import type { CatalogProduct, RecommendedProduct, ShownVariant, SimEvent } from './shoppers.ts'

// The simulator is a client of the shop's public HTTP API (DESIGN.md, "Public HTTP contract") and
// of nothing else: it reads the catalog and recommendations and posts events like an integrator.

/** The shop could not be reached (refused, reset, timed out) or failed (5xx): worth retrying. */
export class ShopUnavailableError extends Error {}

/** A 4xx other than 429: the shop says our request is wrong, which is a bug in the simulator. */
export class ShopRejectedError extends Error {}

/** The contract's cap on one `POST /api/events` batch. */
export const MAX_BATCH = 1000
const PAGE_SIZE = 100
// 100 pages of 100: far beyond the demo catalog, and a bound should the total ever be wrong.
const MAX_PAGES = 1000
const TIMEOUT_MS = 10_000
// A loaded shop can take a while to page through its catalog; refusals still fail at once.
const CATALOG_TIMEOUT_MS = 30_000

const productPage = z.object({
  data: z.array(z.object({ id: z.string(), name: z.string(), categoryId: z.string() })),
  total: z.number(),
})
const categoryList = z.object({
  data: z.array(z.object({ id: z.string(), name: z.string(), productCount: z.number() })),
})
const recommendationList = z.object({
  data: z.array(z.object({ productId: z.coerce.string(), category: z.string() })),
  metadata: z.object({
    strategy: z.string(),
    // Which A/B variant chose the strategy: passed back with a click so the experiment counts it.
    experimentId: z.string().nullish(),
    variant: z.string().nullish(),
  }),
})

export type SendResult =
  | { outcome: 'accepted' }
  | { outcome: 'throttled'; retryAfterMs: number }
  | { outcome: 'failed'; reason: string }

export interface ShopCatalog {
  products: CatalogProduct[]
  categories: { id: string; name: string; productCount: number }[]
}

export class ShopClient {
  readonly #base: string

  constructor(baseUrl: string) {
    // Appended to, not resolved against, so a shop served under a path prefix keeps its prefix.
    this.#base = baseUrl.replace(/\/+$/, '')
  }

  async #request(path: string, init: RequestInit = {}, timeoutMs = TIMEOUT_MS): Promise<Response> {
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout
    try {
      return await fetch(`${this.#base}${path}`, { ...init, signal })
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error)
      throw new ShopUnavailableError(`cannot reach the shop at ${this.#base} (${why})`)
    }
  }

  async #json<S extends z.ZodType>(
    path: string,
    schema: S,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<z.output<S>> {
    const response = await this.#request(path, { signal }, timeoutMs)
    if (response.status >= 400 && response.status < 500) {
      throw new ShopRejectedError(`GET ${path} → ${response.status}: ${await detail(response)}`)
    }
    if (!response.ok) {
      throw new ShopUnavailableError(`GET ${path} → ${response.status}: ${await detail(response)}`)
    }
    const parsed = schema.safeParse(await response.json().catch(() => undefined))
    if (!parsed.success) {
      throw new ShopRejectedError(`GET ${path} answered something else than the contract says`)
    }
    return parsed.data
  }

  /** Every product (paged through) and every category. */
  async catalog(): Promise<ShopCatalog> {
    const { data: categories } = await this.#json(
      '/api/categories',
      categoryList,
      CATALOG_TIMEOUT_MS,
    )
    const products: CatalogProduct[] = []
    for (let page = 1; page <= MAX_PAGES; page++) {
      const path = `/api/products?pageSize=${PAGE_SIZE}&page=${page}`
      const { data, total } = await this.#json(path, productPage, CATALOG_TIMEOUT_MS)
      products.push(...data)
      if (data.length < PAGE_SIZE || products.length >= total) break
    }
    return { products, categories }
  }

  /** What the shop would show this shopper; `signal` lets a run that ends stop waiting. */
  async recommendations(
    userId: string,
    opts: { limit: number; timeoutMs: number; signal?: AbortSignal },
  ): Promise<{ strategy: string; experiment: ShownVariant | null; items: RecommendedProduct[] }> {
    const path = `/api/recommendations/${encodeURIComponent(userId)}?limit=${opts.limit}`
    const { data, metadata } = await this.#json(
      path,
      recommendationList,
      opts.timeoutMs,
      opts.signal,
    )
    const experiment =
      metadata.experimentId && metadata.variant
        ? { experimentId: metadata.experimentId, variant: metadata.variant }
        : null
    return { strategy: metadata.strategy, experiment, items: data }
  }

  /** Posts one batch (at most MAX_BATCH); throws ShopRejectedError when the shop calls it invalid. */
  async sendEvents(events: readonly SimEvent[]): Promise<SendResult> {
    const response = await this.#request('/api/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    })
    if (response.status === 202) {
      await response.body?.cancel()
      return { outcome: 'accepted' }
    }
    if (response.status === 429) {
      await response.body?.cancel()
      // Retry-After may also be an HTTP date; a second is a fair guess then, the shop will say again.
      const seconds = Number(response.headers.get('retry-after') ?? Number.NaN)
      const retryAfterMs = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000
      return { outcome: 'throttled', retryAfterMs }
    }
    const why = `POST /api/events → ${response.status}: ${await detail(response)}`
    if (response.status >= 400 && response.status < 500) throw new ShopRejectedError(why)
    return { outcome: 'failed', reason: why }
  }
}

/** The Problem Details `detail` and the fields it names, or the start of whatever came back. */
async function detail(response: Response): Promise<string> {
  const text = await response.text().catch(() => '')
  try {
    const problem = JSON.parse(text) as {
      detail?: string
      errors?: { field: string; message: string }[]
    }
    const fields = (problem.errors ?? []).slice(0, 5).map((e) => `${e.field}: ${e.message}`)
    return [problem.detail ?? response.statusText, ...fields].join('; ')
  } catch {
    return text.slice(0, 200) || response.statusText
  }
}
