import type { EventType } from '../../shared/events/types.ts'
import { MAX_BATCH, type ShopClient, ShopRejectedError, ShopUnavailableError } from './client.ts'
import type { Buyers } from './orders.ts'
import {
  act,
  type Catalog,
  clickRecommendation,
  pickAction,
  plantShoppers,
  type Rng,
  type Shopper,
  type SimEvent,
} from './shoppers.ts'

// The paced loop: every tick it makes the events the target rate has earned since the last one
// and posts them as one batch, so the shop sees a steady stream, not one request per event.

export interface SimulateOptions {
  users: number
  events: number
  /** Target events per second, overall. */
  rate: number
  durationMs: number
  seed: number
  /** Actions are drawn from this; tastes always come from the seed. */
  rng?: Rng
  /** Signed-in buyers placing real orders alongside the events, at `orderRate` per second. */
  buyers?: Buyers
  orderRate?: number
  /** The share of orders paid with a declining test card. */
  declines?: number
  /** Aborting stops the run as if its time were up. */
  signal?: AbortSignal
  onProgress?: (progress: Progress) => void
}

export interface Progress {
  elapsedMs: number
  sent: number
  /** Events accepted per second over the last few seconds. */
  currentRate: number
  counts: Partial<Record<EventType, number>>
  errors: number
  throttled: number
  /** Orders the shop accepted (each runs the saga). */
  orders: number
}

export interface Summary extends Progress {
  users: number
  seed: number
  /** Events made but never accepted (a click still waiting for recommendations counts once). */
  unsent: number
  averageRate: number
  stoppedBy: 'events' | 'duration' | 'interrupted' | 'error'
  error?: string
}

const TICK_MS = 200
const RATE_WINDOW_MS = 3000
const RECOMMENDATIONS_SHOWN = 5
// A click waits for the shop's answer off the beat, so a slow recommender never slows the pace;
// beyond this many waiting, shoppers browse instead.
const CLICKS_IN_FLIGHT = 32
const RECOMMENDATION_TIMEOUT_MS = 5000
// At most a second's worth of events in one go when a slow request has made a tick late.
const MAX_BURST_S = 1
const MAX_BACKOFF_MS = 5000
// The shop unavailable this long in a row ends the run: it is down, not hiccuping.
const GIVE_UP_AFTER_MS = 15_000
const FINAL_FLUSH_MS = 2000

/** Runs the simulated shoppers against the shop until --events or --duration, whichever first. */
export async function simulate(
  client: ShopClient,
  catalog: Catalog,
  opts: SimulateOptions,
): Promise<Summary> {
  const rng = opts.rng ?? Math.random
  const shoppers = plantShoppers(opts.seed, opts.users, catalog.categories)
  const start = performance.now()
  const deadline = start + opts.durationMs
  const counts: Partial<Record<EventType, number>> = {}
  const samples: { at: number; sent: number }[] = []
  const pending: SimEvent[] = []
  // Events made or promised (two per click waiting for its recommendations), against --events.
  let made = 0
  let sent = 0
  let errors = 0
  let throttled = 0
  let tokens = 0
  let lastRefill = start
  let resumeAt = 0
  let failures = 0
  let clicksInFlight = 0
  let orderTokens = 0
  let unavailableSince: number | undefined
  let clickFailure: unknown
  const runOver = new AbortController()

  const progress = (now: number): Progress => {
    samples.push({ at: now, sent })
    while (samples.length > 2 && (samples[0]?.at ?? now) < now - RATE_WINDOW_MS) samples.shift()
    const first = samples[0] ?? { at: start, sent: 0 }
    const span = (now - first.at) / 1000
    return {
      elapsedMs: now - start,
      sent,
      currentRate: span > 0 ? (sent - first.sent) / span : 0,
      counts: { ...counts },
      errors,
      throttled,
      orders: opts.buyers?.counts.placed ?? 0,
    }
  }

  /** Orders the pace has earned, each by a buyer free to place it, off the beat like clicks. */
  function order(elapsedS: number): void {
    const { buyers, orderRate = 0 } = opts
    if (!buyers || orderRate <= 0) return
    orderTokens = Math.min(orderTokens + orderRate * elapsedS, Math.max(1, orderRate))
    while (orderTokens >= 1 && buyers.ready) {
      orderTokens--
      void buyers.placeOne(catalog, rng, opts.declines ?? 0)
    }
  }

  async function clickRecommendationOf(shopper: Shopper): Promise<void> {
    clicksInFlight++
    made += 2
    let events: SimEvent[] = []
    try {
      const answer = await client.recommendations(shopper.id, {
        limit: RECOMMENDATIONS_SHOWN,
        timeoutMs: RECOMMENDATION_TIMEOUT_MS,
        signal: runOver.signal,
      })
      events = clickRecommendation(shopper, answer.items, answer.strategy, rng, answer.experiment)
    } catch (e) {
      if (e instanceof ShopUnavailableError) errors++
      else clickFailure ??= e
    } finally {
      clicksInFlight--
    }
    // Nothing to click (a fresh shop, or no answer in time): the shopper browses instead.
    if (events.length === 0) events = act(shopper, 'view', catalog, rng)
    made -= 2 - events.length
    pending.push(...events)
  }

  /** Up to `room` events of randomly chosen shoppers; recommendation clicks arrive later. */
  function make(room: number): void {
    while (room > 0) {
      const shopper = shoppers[Math.floor(rng() * shoppers.length)] as Shopper
      const action = pickAction(rng, room)
      if (action === 'recommendation' && clicksInFlight < CLICKS_IN_FLIGHT) {
        void clickRecommendationOf(shopper)
        room -= 2
        continue
      }
      const events = act(shopper, action === 'recommendation' ? 'view' : action, catalog, rng)
      pending.push(...events)
      made += events.length
      room -= events.length
    }
  }

  /** Posts what is pending; false when the shop asked us to wait or failed. */
  async function flush(now: number): Promise<boolean> {
    while (pending.length > 0) {
      const batch = pending.slice(0, MAX_BATCH)
      const result = await client.sendEvents(batch).catch((e: unknown) => {
        if (!(e instanceof ShopUnavailableError)) throw e
        return { outcome: 'failed' as const, reason: e.message }
      })
      if (result.outcome === 'accepted') {
        pending.splice(0, batch.length)
        sent += batch.length
        for (const e of batch) counts[e.type] = (counts[e.type] ?? 0) + 1
        failures = 0
        unavailableSince = undefined
        continue
      }
      // Events are made only while not waiting, so the pace after a pause is steady, not a burst.
      tokens = 0
      if (result.outcome === 'throttled') {
        throttled++
        resumeAt = now + result.retryAfterMs
      } else {
        errors++
        unavailableSince ??= now
        if (now - unavailableSince > GIVE_UP_AFTER_MS) {
          throw new ShopUnavailableError(`the shop stopped answering: ${result.reason}`)
        }
        const backoff = Math.min(MAX_BACKOFF_MS, 250 * 2 ** failures++)
        resumeAt = now + backoff * (0.5 + rng() / 2)
      }
      return false
    }
    return true
  }

  let error: string | undefined
  try {
    let now = start
    const busy = () => made < opts.events || pending.length > 0 || clicksInFlight > 0
    while (now < deadline && !opts.signal?.aborted && busy()) {
      if (clickFailure) throw clickFailure
      const tickStart = now
      const cap = Math.max(1, opts.rate * MAX_BURST_S)
      tokens = Math.min(tokens + (opts.rate * (now - lastRefill)) / 1000, cap)
      order((now - lastRefill) / 1000)
      lastRefill = now
      if (now >= resumeAt) {
        const due = Math.min(Math.floor(tokens), opts.events - made)
        if (due > 0) {
          const before = made
          make(due)
          tokens -= made - before
        }
        await flush(performance.now())
      }
      now = performance.now()
      opts.onProgress?.(progress(now))
      const wake = Math.min(tickStart + TICK_MS, deadline)
      if (wake > now) await Bun.sleep(wake - now)
      now = performance.now()
    }
    // Time is up with events in hand: a last try, if the shop lets us soon, then they go unsent.
    const giveUpAt = performance.now() + FINAL_FLUSH_MS
    const ordering = () => (opts.buyers?.inFlight ?? 0) > 0
    while (
      (pending.length > 0 || clicksInFlight > 0 || ordering()) &&
      performance.now() < giveUpAt
    ) {
      const ready = performance.now() >= resumeAt
      if (ready && pending.length > 0 && (await flush(performance.now()))) continue
      if (resumeAt > giveUpAt && clicksInFlight === 0 && !ordering()) break
      await Bun.sleep(Math.min(TICK_MS, Math.max(0, giveUpAt - performance.now())))
    }
    if (clickFailure) throw clickFailure
  } catch (e) {
    if (!(e instanceof ShopRejectedError || e instanceof ShopUnavailableError)) throw e
    error = e.message
  }

  const last = progress(performance.now())
  const unsent = pending.length + clicksInFlight
  // Clicks still waiting for their recommendations will not be sent: stop waiting for them.
  runOver.abort()
  return {
    ...last,
    users: opts.users,
    seed: opts.seed,
    unsent,
    averageRate: last.elapsedMs > 0 ? sent / (last.elapsedMs / 1000) : 0,
    stoppedBy: error
      ? 'error'
      : made >= opts.events && unsent === 0
        ? 'events'
        : opts.signal?.aborted
          ? 'interrupted'
          : 'duration',
    ...(error ? { error } : {}),
  }
}
