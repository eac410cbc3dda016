// Live parts that look the same to every viewer (an admin tab's figures for a range) are computed
// once for all of them: one subscription to what changes them and one render per change, however
// many streams show the part. Each stream only compares versions and writes the shared message.
import type { LiveMessage, LivePart } from './live.ts'

interface Shared {
  source: LivePart
  /** Every stream's `changed` callback for this part. */
  watchers: Set<() => void>
  stop: (() => void) | null
  /** The latest rendering, or the one under way; null until the first render after a change. */
  rendering: Promise<LiveMessage | null> | null
}

/** Gives a stream its view of the part `key`: shared (SharedParts) or its own (NOT_SHARED). */
export interface PartSharing {
  part(key: string, make: () => LivePart): LivePart
}

/** Every stream renders the part for itself: what sharing is measured against. */
export const NOT_SHARED: PartSharing = { part: (_key, make) => make() }

/**
 * A set of shared parts, by key: `part(key, make)` gives a stream its view of the part `key`,
 * making the source with `make` when the first stream asks and dropping it when the last one
 * leaves. The key must name everything the rendering depends on (the part and its argument); a
 * part that differs per viewer must not be shared.
 */
export class SharedParts implements PartSharing {
  readonly #parts = new Map<string, Shared>()

  part(key: string, make: () => LivePart): LivePart {
    // The source is registered only once a stream subscribes, so a stream that never starts
    // leaves nothing behind.
    const source = this.#parts.get(key)?.source ?? make()
    const entry = (): Shared => {
      let found = this.#parts.get(key)
      if (!found) {
        found = { source, watchers: new Set(), stop: null, rendering: null }
        this.#parts.set(key, found)
      }
      return found
    }
    return {
      event: source.event,
      minIntervalMs: source.minIntervalMs,
      subscribe: (changed) => {
        const shared = entry()
        shared.watchers.add(changed)
        shared.stop ??= shared.source.subscribe(() => {
          // The next stream to render renders for all of them.
          shared.rendering = null
          for (const watcher of shared.watchers) watcher()
        })
        return () => {
          shared.watchers.delete(changed)
          if (shared.watchers.size > 0) return
          shared.stop?.()
          if (this.#parts.get(key) === shared) this.#parts.delete(key)
        }
      },
      render: () => {
        const shared = this.#parts.get(key)
        if (!shared) return source.render()
        if (!shared.rendering) {
          const rendering = Promise.resolve(shared.source.render())
          shared.rendering = rendering
          // A failed render is not kept: the next stream to ask tries again.
          rendering.catch(() => {
            if (shared.rendering === rendering) shared.rendering = null
          })
        }
        return shared.rendering
      },
    }
  }

  /** How many shared parts are live (watched by at least one stream), for tests and metrics. */
  get size(): number {
    return this.#parts.size
  }
}
