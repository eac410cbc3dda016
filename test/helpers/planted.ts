// Interactions with planted structure: items fall into clusters, every user prefers one or two of
// them and draws most interactions from there. A model that learns anything about users must beat
// popularity on these; one that learns nothing cannot.

export interface PlantedOptions {
  users: number
  items: number
  clusters: number
  perUser: number
  /** Share of a user's interactions drawn from their preferred clusters. */
  affinity?: number
  seed?: number
}

export interface PlantedInteraction {
  userId: string
  itemId: string
  cluster: number
  preferred: boolean
  /** 4-5 on preferred clusters, 1-3 elsewhere. */
  rating: number
  at: number
}

export interface Planted {
  interactions: PlantedInteraction[]
  clusterOf: (itemId: string) => number
  preferences: Map<string, number[]>
}

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same data everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function plantedInteractions(opts: PlantedOptions): Planted {
  const random = seededRandom(opts.seed ?? 1)
  const affinity = opts.affinity ?? 0.8
  const perCluster = Math.ceil(opts.items / opts.clusters)
  const clusterOf = (itemId: string) => Number(itemId.slice(1)) % opts.clusters
  const preferences = new Map<string, number[]>()
  const interactions: PlantedInteraction[] = []
  let at = Date.UTC(2026, 0, 1)
  for (let u = 0; u < opts.users; u++) {
    const userId = `u${u}`
    const liked = [Math.floor(random() * opts.clusters)]
    if (random() < 0.5) liked.push(Math.floor(random() * opts.clusters))
    preferences.set(userId, liked)
    const seen = new Set<number>()
    for (let tries = 0; seen.size < opts.perUser && tries < opts.perUser * 50; tries++) {
      let item: number
      if (random() < affinity) {
        const cluster = liked[Math.floor(random() * liked.length)] as number
        // Skewed inside the cluster: its first items are its popular ones.
        item = Math.floor(random() ** 2 * perCluster) * opts.clusters + cluster
      } else {
        item = Math.floor(random() ** 1.5 * opts.items)
      }
      if (item >= opts.items || seen.has(item)) continue
      seen.add(item)
      const cluster = item % opts.clusters
      const preferred = liked.includes(cluster)
      at += 1000 + Math.floor(random() * 60_000)
      interactions.push({
        userId,
        itemId: `i${item}`,
        cluster,
        preferred,
        rating: preferred ? 4 + Math.round(random()) : 1 + Math.round(random() * 2),
        at,
      })
    }
  }
  return { interactions, clusterOf, preferences }
}
