// Replicas split the shoppers: each joins the `recommender` group on user-events, and the one that
// owns a shopper's partition publishes that shopper's recommendations to `recommendations` when
// they change materially. Every replica can answer for anyone; only one announces.
import { commit } from '../../shared/bus/commit.ts'
import { javaPartition } from '../../shared/bus/kafka-produce.ts'
import type { EventBus, Subscription } from '../../shared/bus/types.ts'
import type { Db } from '../../shared/db/client.ts'
import { createEvent } from '../../shared/events/envelope.ts'
import { log } from '../../shared/observability/log.ts'
import type { Strategy } from './models/types.ts'
import type { Recommender } from './recommender.ts'

export const RECOMMENDER_GROUP = 'recommender'
const OWNED_TOPIC = 'user-events'
const SOURCE = '/streamshop/recommender'
/** Changes of one shopper within this window go out as one event. */
const DEBOUNCE_MS = 200
/** The items whose set (and top three's order) must change for the change to be material. */
const PUBLISHED_ITEMS = 10

export interface PublisherOptions {
  bus: EventBus
  db: Db
  recommender: Recommender
  /** The strategy the shopper sees: their variant's in the running experiment, or the default. */
  strategyFor: (userId: string) => Strategy
  /** Names this process in what it publishes (host/pid). */
  replica: string
}

export class RecommendationPublisher {
  readonly #opts: PublisherOptions
  readonly #last = new Map<string, string>()
  readonly #pending = new Map<string, ReturnType<typeof setTimeout>>()
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
    if (!this.#opts.recommender.caughtUp || this.#pending.has(userId) || !this.owns(userId)) return
    this.#pending.set(
      userId,
      setTimeout(() => {
        this.#pending.delete(userId)
        void this.#publish(userId).catch((error) =>
          log.warn({ err: error, userId }, 'could not publish recommendations'),
        )
      }, DEBOUNCE_MS),
    )
  }

  async #publish(userId: string): Promise<void> {
    const { recommender, db } = this.#opts
    const strategy = this.#opts.strategyFor(userId)
    const answer = recommender.recommend(userId, strategy, PUBLISHED_ITEMS)
    if (answer.coldStart) return
    const ids = answer.items.map((i) => i.productId)
    const fingerprint = `${ids.slice(0, 3).join(',')}|${[...ids].sort().join(',')}`
    if (this.#last.get(userId) === fingerprint) return
    this.#last.set(userId, fingerprint)
    const event = createEvent(
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
    await commit(db, () => [], [event])
    this.#published++
  }

  async close(): Promise<void> {
    for (const timer of this.#pending.values()) clearTimeout(timer)
    this.#pending.clear()
    await this.#membership?.close()
  }
}
