import { log } from '../observability/log.ts'
import { sleep } from './sleep.ts'
import {
  type ConsumedRecord,
  REDELIVERY_DELAY_MS,
  type RunHandler,
  runHandlerOf,
  type SubscribeOptions,
  type Subscription,
  type TopicPartition,
} from './types.ts'

/** What a member needs of the embedded log. */
export interface EmbeddedLog {
  fetch(group: string, tp: TopicPartition): Promise<ConsumedRecord[]>
  commit(group: string, tp: TopicPartition, nextOffset: bigint): Promise<void>
  onPublish(listener: () => void): () => void
  leave(sub: EmbeddedSubscription): Promise<void>
}

/** One owned partition: its worker loop and the record in hand. */
interface Lane {
  tp: TopicPartition
  inHand: Promise<void>
  loop: Promise<void>
  wake: (() => void) | null
}

/**
 * A member of a group on the embedded log: one worker per owned partition, so a record whose
 * handler keeps failing holds up its own partition only. Membership lives in the bus (one process).
 */
export class EmbeddedSubscription implements Subscription {
  readonly group: string
  readonly topics: string[]
  readonly #log: EmbeddedLog
  readonly #handleRun: RunHandler
  readonly #maxRun: number
  readonly #pollMs: number
  readonly #stop = new AbortController()
  readonly #lanes = new Map<string, Lane>()
  #crashed = false
  #unlisten: () => void = () => {}
  #closing: Promise<void> | null = null

  constructor(log: EmbeddedLog, options: SubscribeOptions, pollMs: number) {
    this.#log = log
    ;({ handleRun: this.#handleRun, maxRun: this.#maxRun } = runHandlerOf(options))
    this.group = options.group
    this.topics = options.topics
    this.#pollMs = pollMs
  }

  start(): void {
    this.#unlisten = this.#log.onPublish(() => {
      for (const lane of this.#lanes.values()) lane.wake?.()
    })
  }

  /** Stops at once on partitions outside `keep`, and resolves when their records in hand are done. */
  async revokeAllBut(keep: TopicPartition[]): Promise<void> {
    const lost = [...this.#lanes.values()].filter(
      (l) => !keep.some((k) => k.topic === l.tp.topic && k.partition === l.tp.partition),
    )
    for (const lane of lost) {
      this.#lanes.delete(key(lane.tp))
      lane.wake?.()
    }
    await Promise.all(lost.map((l) => l.inHand))
  }

  assign(partitions: TopicPartition[]): void {
    if (this.#stop.signal.aborted) return
    for (const tp of partitions) {
      if (this.#lanes.has(key(tp))) continue
      const lane: Lane = { tp, inHand: Promise.resolve(), loop: Promise.resolve(), wake: null }
      this.#lanes.set(key(tp), lane)
      lane.loop = this.#run(lane)
    }
  }

  #owns(lane: Lane): boolean {
    return this.#lanes.get(key(lane.tp)) === lane && !this.#stop.signal.aborted
  }

  async #run(lane: Lane): Promise<void> {
    while (this.#owns(lane)) {
      let handled = 0
      try {
        const fetched = await this.#log.fetch(this.group, lane.tp)
        for (let at = 0; at < fetched.length; at += this.#maxRun) {
          if (!this.#owns(lane)) return
          // Published before the handler starts, so a revoke or close waits for this run.
          const inHand = Promise.withResolvers<void>()
          lane.inHand = inHand.promise
          try {
            if (!(await this.#handle(lane, fetched.slice(at, at + this.#maxRun)))) break
            handled++
          } finally {
            inHand.resolve()
          }
        }
      } catch (error) {
        log.error({ err: error, group: this.group, ...lane.tp }, 'embedded consumer failed')
        await sleep(this.#pollMs, this.#stop.signal)
      }
      if (handled === 0) await this.#idle(lane)
    }
  }

  /** Offers the run until its handler resolves, then commits; false when the lane must re-fetch. */
  async #handle(lane: Lane, run: ConsumedRecord[]): Promise<boolean> {
    const last = run[run.length - 1] as ConsumedRecord
    let done: number
    try {
      done = await this.#handleRun(run)
    } catch (error) {
      if (this.#stop.signal.aborted) return false
      log.warn(
        {
          err: error,
          group: this.group,
          topic: last.topic,
          offsets: `${run[0]?.offset}..${last.offset}`,
        },
        'handler rejected the records; offering them again',
      )
      // Not committed: the next fetch starts at this record again.
      await sleep(REDELIVERY_DELAY_MS, this.#stop.signal)
      return false
    }
    const finished = run[done - 1]
    if (this.#crashed || !finished) return false
    await this.#log.commit(this.group, lane.tp, finished.offset + 1n)
    return done === run.length
  }

  #idle(lane: Lane): Promise<void> {
    const woken = new Promise<void>((resolve) => {
      lane.wake = resolve
    })
    return Promise.race([sleep(this.#pollMs, this.#stop.signal), woken]).finally(() => {
      lane.wake = null
    })
  }

  assignments(): TopicPartition[] {
    return [...this.#lanes.values()].map((l) => l.tp)
  }

  async ready(): Promise<void> {}

  /** Finishes and commits the records in hand, then leaves the group. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stop.abort()
      this.#unlisten()
      const lanes = [...this.#lanes.values()]
      for (const lane of lanes) lane.wake?.()
      await Promise.all(lanes.map((l) => l.loop))
      this.#lanes.clear()
      await this.#log.leave(this)
    })()
    return this.#closing
  }

  abort(): Promise<void> {
    // A crash: the records in hand are not committed, so the next owner receives them again.
    this.#crashed = true
    return this.close()
  }
}

function key(tp: TopicPartition): string {
  return `${tp.topic}:${tp.partition}`
}
