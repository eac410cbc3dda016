import type { EventBus, PartitionLag, Subscription, TopicPartition } from '../bus/types.ts'
import type { ConsumerDefinition } from './define.ts'

export type ConsumerState = 'starting' | 'running' | 'stopped'

export interface ConsumerCounts {
  /** Applied (their effects committed). */
  handled: number
  /** Seen before by this group (redelivered): nothing applied again. */
  duplicates: number
  /** Of a type this consumer does not handle: committed and left alone. */
  skipped: number
  /** Attempts that failed and were tried again. */
  retried: number
  deadLettered: number
}

/** What an operator needs to know of one consumer, as the dashboard and `/readyz` show it. */
export interface ConsumerStatus {
  group: string
  topic: string
  types: readonly string[]
  state: ConsumerState
  /** Members of the group right now, across every process (null when the bus did not answer). */
  members: number | null
  /** The partitions this process's member owns. */
  assigned: TopicPartition[]
  /** Per partition; a partition the group never committed on lags by everything retained. */
  lag: PartitionLag[] | null
  totalLag: number | null
  /** Records waiting out a retry backoff right now. */
  retrying: number
  counts: ConsumerCounts
  lastError: { message: string; at: string } | null
}

/** Keeps one runner's state and counts; `snapshot` adds what only the bus knows. */
export class ConsumerStatusTracker {
  readonly #definition: ConsumerDefinition
  readonly #bus: EventBus
  #state: ConsumerState = 'starting'
  #subscription: Subscription | null = null
  #retrying = 0
  #lastError: ConsumerStatus['lastError'] = null
  readonly counts: ConsumerCounts = {
    handled: 0,
    duplicates: 0,
    skipped: 0,
    retried: 0,
    deadLettered: 0,
  }

  constructor(definition: ConsumerDefinition, bus: EventBus) {
    this.#definition = definition
    this.#bus = bus
  }

  get state(): ConsumerState {
    return this.#state
  }

  attach(subscription: Subscription): void {
    this.#subscription = subscription
    void subscription.ready().then(() => {
      if (this.#state === 'starting') this.#state = 'running'
    })
  }

  stopped(): void {
    this.#state = 'stopped'
  }

  count(what: keyof ConsumerCounts): void {
    this.counts[what]++
  }

  retrying(delta: number): void {
    this.#retrying += delta
  }

  failed(error: unknown): void {
    this.#lastError = {
      message: error instanceof Error ? error.message : String(error),
      at: new Date().toISOString(),
    }
  }

  async snapshot(): Promise<ConsumerStatus> {
    const { group, topic, types } = this.#definition
    const [lag, members] = await Promise.all([
      this.#bus.lag(group, [topic]).catch(() => null),
      this.#bus.groupMembers(group).catch(() => null),
    ])
    return {
      group,
      topic,
      types,
      state: this.#state,
      members,
      assigned: this.#state === 'stopped' ? [] : (this.#subscription?.assignments() ?? []),
      lag,
      totalLag: lag ? lag.reduce((sum, p) => sum + Number(p.lag), 0) : null,
      retrying: this.#retrying,
      counts: { ...this.counts },
      lastError: this.#lastError,
    }
  }
}
