// `bun run simulate`: simulated shoppers with planted tastes acting on a running shop through its
// public HTTP API. Exit codes: 0 done, 1 the shop is unreachable or refused a request (a bug here),
// 2 a usage problem.

import { z } from 'zod'
import { usageError as fail, parseFlags } from '../../shared/cli/args.ts'
import type { EventType } from '../../shared/events/types.ts'
import { ShopClient, ShopRejectedError, ShopUnavailableError } from './client.ts'
import { Buyers, buyerEmail, CARDS, FOLLOWED_ORDERS, type OrderOutcomes } from './orders.ts'
import { type Progress, type Summary, simulate } from './run.ts'
import { ACTION_MIX, indexCatalog, plantShoppers } from './shoppers.ts'

const mix = Object.entries(ACTION_MIX)
  .map(([action, weight]) => `${action} ${weight}`)
  .join(', ')

const DEFAULT_PASSWORD = 'simulated buyer password'

const USAGE = `Usage: bun run simulate [options]
Simulated shoppers browse, search, rate and buy on a running shop (bun run dev), through its public
HTTP API only. Each prefers 1–3 categories: most of what they view, buy and rate highly is there.

  --url <url>         the shop (default http://127.0.0.1:3000); nothing else is contacted
  --users <n>         simulated shoppers, sim-<seed>-1 … sim-<seed>-<n> (default 50)
  --events <n>        stop after this many events (default 1000)
  --rate <n>          target events per second overall, at a steady pace (default 50)
  --duration <s>      stop after this many seconds, if --events has not been reached (default 60)
  --seed <n>          names the shoppers and plants their tastes (default 1): the same seed
                      continues the same shoppers; the order of their actions differs per run
  --buyers <n>        shoppers with accounts who place real orders, running the order saga
                      (default 3; 0 places none), signed in as ${buyerEmail(0, 0).replace('sim-0-buyer-0', 'sim-<seed>-buyer-<n>')}
  --order-rate <n>    orders per second overall (default 0.5), each buyer one at a time
  --declines <f>      the share of orders paid with a declining test card (default 0.1):
                      ${CARDS.declined} or ${CARDS.insufficientFunds}; the rest ${CARDS.ok}
  --password <text>   the buyers' password, used to register them or log them in again
                      (default "${DEFAULT_PASSWORD}"; they are simulation accounts)
  --json              print the summary as JSON on stdout
  -h, --help          this text

Action mix (weights): ${mix}.
A recommendation click asks GET /api/recommendations/<user> and clicks one, preferring the
shopper's categories (recommendation.clicked with strategy and position, then product.viewed).
Events go to POST /api/events in batches every 200 ms; a 429 pauses and retries.
Purchases in the mix are product.purchased events; the buyers' orders are real ones, and the
summary says how their sagas ended (completed, cancelled and why, or still under way). The shop
limits sign-ins per client (AUTH_RATE_LIMIT_PER_MIN): if it refuses, the run goes on without orders.
Progress goes to stderr; the summary to stdout.`

function usageError(problem: string): never {
  fail(problem, USAGE)
}

const whole = (flag: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${flag} must be a number` })
    .int(`${flag} must be a whole number`)
    .min(min, `${flag} must be at least ${min}`)
    .max(max, `${flag} must be at most ${max}`)

const flagsSchema = z.object({
  url: z
    .url({ protocol: /^https?$/, error: '--url must be an http:// or https:// address' })
    .default('http://127.0.0.1:3000'),
  users: whole('--users', 1, 100_000).default(50),
  events: whole('--events', 1, 100_000_000).default(1000),
  rate: z.coerce
    .number({ error: '--rate must be a number' })
    .positive('--rate must be above 0')
    .max(100_000, '--rate must be at most 100000')
    .default(50),
  duration: z.coerce
    .number({ error: '--duration must be a number of seconds' })
    .positive('--duration must be above 0')
    .max(7 * 24 * 3600, '--duration must be at most a week')
    .default(60),
  seed: whole('--seed', 0, 2 ** 31 - 1).default(1),
  buyers: whole('--buyers', 0, 1000).default(3),
  'order-rate': z.coerce
    .number({ error: '--order-rate must be a number' })
    .min(0, '--order-rate must be 0 or more')
    .max(10_000, '--order-rate must be at most 10000')
    .default(0.5),
  declines: z.coerce
    .number({ error: '--declines must be a number' })
    .min(0, '--declines must be between 0 and 1')
    .max(1, '--declines must be between 0 and 1')
    .default(0.1),
  password: z.string().min(8, '--password must be at least 8 characters').default(DEFAULT_PASSWORD),
  json: z.boolean().default(false),
})

type Flags = z.output<typeof flagsSchema>

function readFlags(argv: string[]): Flags {
  const text = { type: 'string' } as const
  const values = parseFlags(
    argv,
    {
      url: text,
      users: text,
      events: text,
      rate: text,
      duration: text,
      seed: text,
      buyers: text,
      'order-rate': text,
      declines: text,
      password: text,
      json: { type: 'boolean' },
    },
    USAGE,
  )
  const parsed = flagsSchema.safeParse(values)
  if (!parsed.success) usageError(parsed.error.issues.map((i) => i.message).join('\n'))
  return parsed.data
}

// The simulator's event types in the order of the mix, with the short names progress lines use.
const LABELS = {
  'product.viewed': 'viewed',
  'product.clicked': 'clicked',
  'recommendation.clicked': 'rec-clicked',
  'product.searched': 'searched',
  'cart.item_added': 'carted',
  'product.rated': 'rated',
  'product.purchased': 'purchased',
} as const satisfies Partial<Record<EventType, string>>
const TYPES = Object.keys(LABELS) as (keyof typeof LABELS)[]

function describe(p: Progress): string {
  const counts = TYPES.map((type) => `${LABELS[type]} ${p.counts[type] ?? 0}`).join(' ')
  const extra = p.throttled > 0 ? ` throttled ${p.throttled}` : ''
  return `${(p.elapsedMs / 1000).toFixed(1)}s sent ${p.sent} at ${p.currentRate.toFixed(1)}/s | ${counts} | orders ${p.orders} | errors ${p.errors}${extra}`
}

/** On a terminal, one line rewritten in place; elsewhere (logs, pipes), a line every 5 seconds. */
function progressReporter(): { report: (p: Progress) => void; done: () => void } {
  const tty = process.stderr.isTTY === true
  const every = tty ? 250 : 5000
  let last = 0
  let drawn = false
  return {
    report(p) {
      if (p.elapsedMs - last < every) return
      last = p.elapsedMs
      if (!tty) return void process.stderr.write(`${describe(p)}\n`)
      // A line that wraps could not be rewritten in place: cut it to the terminal's width.
      const width = Math.max(20, (process.stderr.columns ?? 120) - 1)
      process.stderr.write(`\r\x1b[2K${describe(p).slice(0, width)}`)
      drawn = true
    },
    done: () => {
      if (drawn) process.stderr.write('\r\x1b[2K')
    },
  }
}

/** What the run's orders did, for the summary: none when no buyer signed in. */
interface OrdersReport {
  buyers: number
  placed: number
  declinedCards: number
  refused: number
  busy: number
  errors: number
  outcomes: OrderOutcomes
  /** Why there were no buyers, or the last order the shop refused. */
  note?: string
}

function printSummary(url: string, s: Summary, orders: OrdersReport): void {
  const reasons = Object.entries(orders.outcomes.reasons)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ')
  const lines = [
    `Simulated ${s.users} shoppers (sim-${s.seed}-*) on ${url} for ${(s.elapsedMs / 1000).toFixed(1)} s, stopped by ${s.stoppedBy}`,
    `  events sent   ${s.sent} (${s.averageRate.toFixed(1)}/s on average)`,
    ...TYPES.map((type) => `    ${type.padEnd(24)}${s.counts[type] ?? 0}`),
    `  errors        ${s.errors}`,
    `  throttled     ${s.throttled} (429 answers, retried later)`,
    `  unsent        ${s.unsent}`,
    `  orders        ${orders.placed} placed by ${orders.buyers} buyers (${orders.declinedCards} with a declining card), ${orders.refused} refused, ${orders.busy} busy and sent again, ${orders.errors} errors`,
    `    of the newest ${Math.min(orders.placed, FOLLOWED_ORDERS)}: completed ${orders.outcomes.completed}, cancelled ${orders.outcomes.cancelled}${reasons ? ` (${reasons})` : ''}, under way ${orders.outcomes.underway}`,
    ...(orders.note ? [`    note: ${orders.note}`] : []),
  ]
  console.log(lines.join('\n'))
}

function summaryJson(url: string, s: Summary, orders: OrdersReport): string {
  const round = (n: number) => Math.round(n * 10) / 10
  return JSON.stringify(
    {
      url,
      users: s.users,
      seed: s.seed,
      stoppedBy: s.stoppedBy,
      elapsedMs: Math.round(s.elapsedMs),
      sent: s.sent,
      averageRate: round(s.averageRate),
      counts: Object.fromEntries(TYPES.map((type) => [type, s.counts[type] ?? 0])),
      errors: s.errors,
      throttled: s.throttled,
      unsent: s.unsent,
      orders,
      ...(s.error ? { error: s.error } : {}),
    },
    null,
    2,
  )
}

async function main(): Promise<void> {
  const flags = readFlags(process.argv.slice(2))
  const client = new ShopClient(flags.url)
  let catalog: ReturnType<typeof indexCatalog>
  try {
    const { products, categories } = await client.catalog()
    catalog = indexCatalog(products, categories)
  } catch (error) {
    if (!(error instanceof ShopUnavailableError || error instanceof ShopRejectedError)) throw error
    console.error(`simulate: ${error.message}. Is the shop running (bun run dev)?`)
    process.exit(1)
  }
  if (catalog.categories.length === 0) {
    console.error(`simulate: the shop at ${flags.url} has no products (bun run seed loads some)`)
    process.exit(1)
  }
  const stop = new AbortController()
  process.once('SIGINT', () => stop.abort())
  const tastes = plantShoppers(flags.seed, flags.users, catalog.categories)
  const { buyers, refused } = await Buyers.signIn(flags.url, tastes, {
    seed: flags.seed,
    buyers: flags.buyers,
    declines: flags.declines,
    password: flags.password,
  }).catch((error: unknown) => {
    if (!(error instanceof ShopUnavailableError)) throw error
    console.error(`simulate: ${error.message}`)
    process.exit(1)
  })
  if (refused) console.error(`simulate: ${refused}; going on with ${buyers.size} buyers`)
  const progress = progressReporter()
  const summary = await simulate(client, catalog, {
    users: flags.users,
    events: flags.events,
    rate: flags.rate,
    durationMs: flags.duration * 1000,
    seed: flags.seed,
    buyers,
    orderRate: flags['order-rate'],
    declines: flags.declines,
    signal: stop.signal,
    onProgress: progress.report,
  })
  progress.done()
  const orders: OrdersReport = {
    buyers: buyers.size,
    ...buyers.counts,
    outcomes: await buyers.outcomes(stop.signal),
    ...((refused ?? buyers.lastRefusal) ? { note: refused ?? buyers.lastRefusal } : {}),
  }
  if (flags.json) console.log(summaryJson(flags.url, summary, orders))
  else printSummary(flags.url, summary, orders)
  if (summary.error) {
    console.error(`Stopped: ${summary.error}`)
    process.exitCode = 1
  }
}

if (import.meta.main) await main()
