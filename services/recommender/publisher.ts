// Replicas split the shoppers: each joins the `recommender` group on user-events, and the one that
// owns a shopper's partition publishes that shopper's recommendations to `recommendations` when
// they change materially. Every replica can answer for anyone; only one announces.
import { javaPartition } from '../../shared/bus/kafka-produce.ts'
import type { OutboxWriter } from '../../shared/bus/outbox-writer.ts'
import type { EventBus, Subscription } from '../../shared/bus/types.ts'
import { createEvent, type EventEnvelope } from '../../shared/events/envelope.ts'
import { log } from '../../shared/observability/log.ts'
import type { Strategy } from './models/types.ts'
import type { Recommender } from './recommender.ts'

export const RECOMMENDER_GROUP = 'recommender'
const OWNED_TOPIC = 'user-events'
const SOURCE = '/streamshop/recommender'
/** Shoppers whose models changed are looked at this often: changes in between go out as one. */
const TICK_MS = 200
/**
 * CPU a tick may spend computing answers to announce, at most: announcing is derived news, and
 * under load it waits its turn rather than slowing serving and ingest (the rest waits a tick).
 */
const TICK_BUDGET_MS = 20
/** Shoppers whose last announcement is remembered, at most. */
const REMEMBERED_SHOPPERS = 200_000
/** The items whose set (and top three's order) must change for the change to be material. */
const PUBLISHED_ITEMS = 10

export interface PublisherOptions {
  bus: EventBus
  /** Where announcements are appended (they change no other state). */
  outbox: OutboxWriter
  recommender: Recommender
  /** The strategy the shopper sees: their variant's in the running experiment, or the default. */
  strategyFor: (userId: string) => Strategy
  /** Names this process in what it publishes (host/pid). */
  replica: string
}

export class RecommendationPublisher {
  readonly #opts: PublisherOptions
  readonly #last = new Map<string, string>()
  /** Shoppers to look at on the next tick, in the order their models changed. */
  readonly #pending = new Set<string>()
  #timer: ReturnType<typeof setTimeout> | null = null
  #ticking: Promise<void> = Promise.resolve()
  #membership: Subscription | null = null
  #partitions = 0
  #published = 0

  constructor(opts: PublisherOptions) {
    this.#opts = opts
  }

  /** Joins the group; from then on this replica owns some of the shoppers. */
  async start(): Promise<void> {
    const { bus } = this.#opts
    const [topic] = await bus.describeTopics([OWNED_TOPIC])
    this.#partitions = topic?.partitions.length ?? 0
    // The group reads nothing it needs: a first member starts it at the end, not at a backlog of
    // millions. (With members running, the seek is refused and nothing moves.)
    if ((await bus.groupMembers(RECOMMENDER_GROUP)) === 0) {
      await bus.seek(RECOMMENDER_GROUP, OWNED_TOPIC, 'latest').catch(() => {})
    }
    // The members only need their assignments: the models are fed by each replica's own reader.
    this.#membership = await bus.subscribe({
      group: RECOMMENDER_GROUP,
      topics: [OWNED_TOPIC],
      handler: async () => {},
    })
  }

  /** Whether this replica owns the shopper now (their user-events partition is assigned here). */
  owns(userId: string): boolean {
    if (!this.#membership || this.#partitions === 0) return false
    const partition = javaPartition(userId, this.#partitions)
    return this.#membership
      .assignments()
      .some((a) => a.topic === OWNED_TOPIC && a.partition === partition)
  }

  ownedPartitions(): number[] {
    return (this.#membership?.assignments() ?? [])
      .filter((a) => a.topic === OWNED_TOPIC)
      .map((a) => a.partition)
      .sort((a, b) => a - b)
  }

  get published(): number {
    return this.#published
  }

  /** A shopper's models changed: publish their recommendations soon, if ours and material. */
  changed(userId: string): void {
    if (!this.#opts.recommender.caughtUp || !this.owns(userId)) return
    this.#pending.add(userId)
    this.#timer ??= setTimeout(() => {
      this.#ticking = this.#ticking.then(() => this.#tick())
    }, TICK_MS)
  }

  /** Looks at pending shoppers for up to the tick's budget, and appends what changed at once. */
  async #tick(): Promise<void> {
    this.#timer = null
    const started = performance.now()
    const events: EventEnvelope[] = []
    for (const userId of this.#pending) {
      if (performance.now() - started > TICK_BUDGET_MS) break
      this.#pending.delete(userId)
      const event = this.#announcement(userId)
      if (event) events.push(event)
    }
    if (this.#pending.size > 0) {
      this.#timer ??= setTimeout(() => {
        this.#ticking = this.#ticking.then(() => this.#tick())
      }, TICK_MS)
    }
    if (events.length === 0) return
    try {
      await this.#opts.outbox.append(events)
      this.#published += events.length
    } catch (error) {
      log.warn({ err: error, events: events.length }, 'could not publish recommendations')
    }
  }

  /** The shopper's `recommendation.generated`, or null when nothing material changed. */
  #announcement(userId: string): EventEnvelope | null {
    const { recommender } = this.#opts
    const strategy = this.#opts.strategyFor(userId)
    const answer = recommender.recommend(userId, strategy, PUBLISHED_ITEMS)
    if (answer.coldStart) return null
    const ids = answer.items.map((i) => i.productId)
    const fingerprint = `${ids.slice(0, 3).join(',')}|${[...ids].sort().join(',')}`
    if (this.#last.get(userId) === fingerprint) return null
    this.#last.delete(userId)
    this.#last.set(userId, fingerprint)
    // The shoppers announced least recently are forgotten first (at worst announced once more).
    if (this.#last.size > REMEMBERED_SHOPPERS)
      this.#last.delete(this.#last.keys().next().value as string)
    return createEvent(
      'recommendation.generated',
      {
        userId,
        strategy,
        items: answer.items.map((i) => ({
          productId: i.productId,
          score: i.score,
          reason: i.reason,
        })),
        metadata: { generatedAt: answer.generatedAt, replica: this.#opts.replica },
      },
      { source: SOURCE },
    )
  }

  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    this.#pending.clear()
    await this.#ticking
    await this.#membership?.close()
  }
}
