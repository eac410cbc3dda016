// Synthetic MovieLens data with planted taste: items fall into genre clusters, each user prefers one
// or two, and ~80% of their ratings (the high ones) come from there. A recommender that learns
// anything personal must beat popularity on it; one that does not, cannot.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { seededRandom } from './planted.ts'

export interface MovieLensOptions {
  format: 'u.data' | 'ratings.csv'
  users: number
  items: number
  /** Genres the items are split into (at most 18, u.item's genres). */
  clusters: number
  /** Distinct items each user rates. */
  perUser: number
  seed: number
}

export interface MovieLensFiles {
  ratings: string
  /** movies.csv beside ratings.csv, u.item beside u.data. */
  movies: string
}

/** u.item's genre flags in file order; a cluster's genre is one of these, never `unknown`. */
const U_ITEM_GENRES = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
]

/** An item's title; every seventh has a comma, so movies.csv must quote it. */
function title(id: number): string {
  return id % 7 === 0
    ? `Good, the Bad and Film ${id}, The (1966)`
    : `Film ${id} (19${50 + (id % 50)})`
}

/**
 * Writes deterministic MovieLens-format ratings and the movies file beside them into `dir`.
 * @example writeMovieLens(dir, { format: 'ratings.csv', users: 300, items: 200, clusters: 8, perUser: 40, seed: 7 })
 */
export function writeMovieLens(dir: string, opts: MovieLensOptions): MovieLensFiles {
  if (opts.clusters < 1 || opts.clusters > U_ITEM_GENRES.length - 1) {
    throw new Error(`clusters must be 1..${U_ITEM_GENRES.length - 1}`)
  }
  if (opts.perUser > opts.items) throw new Error('perUser must not exceed items')
  const random = seededRandom(opts.seed)
  const pick = (n: number) => Math.floor(random() * n)
  const genres = U_ITEM_GENRES.slice(1, 1 + opts.clusters)
  // Item ids 1..items; cluster c holds the ids ≡ c (mod clusters), most popular first.
  const members: number[][] = genres.map(() => [])
  for (let id = 1; id <= opts.items; id++) members[(id - 1) % opts.clusters]?.push(id)
  const clusterOf = (id: number) => (id - 1) % opts.clusters
  // A quarter of the items also carry a second genre, as real movies do.
  const secondGenre = new Map<number, number>()
  for (let id = 1; id <= opts.items; id++) {
    if (random() < 0.25)
      secondGenre.set(id, (clusterOf(id) + 1 + pick(opts.clusters - 1)) % opts.clusters)
  }

  const rows: [user: number, item: number, rating: number, seconds: number][] = []
  const halves = opts.format === 'ratings.csv'
  const rate = (low: number) => {
    const r = low + (halves ? pick(5) / 2 : pick(3))
    return Math.min(r, low + 2)
  }
  for (let user = 1; user <= opts.users; user++) {
    const first = pick(opts.clusters)
    const preferred =
      random() < 0.5 ? [first] : [first, (first + 1 + pick(opts.clusters - 1)) % opts.clusters]
    const rated = new Set<number>()
    let seconds = 1_000_000_000 + pick(30 * 86_400)
    while (rated.size < opts.perUser) {
      let id: number
      if (random() < 0.8) {
        const cluster = members[preferred[pick(preferred.length)] as number] as number[]
        // Squaring a uniform draw skews it to the front: the cluster's first items are its hits.
        id = cluster[Math.floor(cluster.length * random() ** 2)] as number
      } else id = 1 + pick(opts.items)
      if (rated.has(id)) {
        // A user who has rated most of their clusters moves on to anything unrated.
        if (random() < 0.1) id = 1 + pick(opts.items)
        if (rated.has(id)) continue
      }
      rated.add(id)
      seconds += 30 + pick(300)
      rows.push([user, id, rate(preferred.includes(clusterOf(id)) ? 3 : 1), seconds])
    }
  }

  mkdirSync(dir, { recursive: true })
  const genresOf = (id: number) => {
    const second = secondGenre.get(id)
    return [
      genres[clusterOf(id)] as string,
      ...(second === undefined ? [] : [genres[second] as string]),
    ]
  }
  if (opts.format === 'ratings.csv') {
    // As ml-latest-small: by user, then by movie, so time order must come from the timestamps.
    rows.sort((a, b) => a[0] - b[0] || a[1] - b[1])
    const ratings = join(dir, 'ratings.csv')
    const lines = rows.map(([u, i, r, t]) => `${u},${i},${r.toFixed(1)},${t}`)
    writeFileSync(ratings, `userId,movieId,rating,timestamp\n${lines.join('\n')}\n`)
    const movies = join(dir, 'movies.csv')
    const movieLines = Array.from({ length: opts.items }, (_, k) => {
      const t = title(k + 1)
      const quoted = t.includes(',') ? `"${t.replaceAll('"', '""')}"` : t
      return `${k + 1},${quoted},${genresOf(k + 1).join('|')}`
    })
    writeFileSync(movies, `movieId,title,genres\n${movieLines.join('\n')}\n`)
    return { ratings, movies }
  }
  // u.data is in no order at all.
  for (let k = rows.length - 1; k > 0; k--) {
    const j = pick(k + 1)
    ;[rows[k], rows[j]] = [rows[j] as (typeof rows)[number], rows[k] as (typeof rows)[number]]
  }
  const ratings = join(dir, 'u.data')
  writeFileSync(ratings, `${rows.map((row) => row.join('\t')).join('\n')}\n`)
  const movies = join(dir, 'u.item')
  const itemLines = Array.from({ length: opts.items }, (_, k) => {
    const own = genresOf(k + 1)
    const flags = U_ITEM_GENRES.map((g) => (own.includes(g) ? '1' : '0'))
    return [k + 1, title(k + 1), '01-Jan-1995', '', 'http://example.test/', ...flags].join('|')
  })
  writeFileSync(movies, Buffer.from(`${itemLines.join('\n')}\n`, 'latin1'))
  return { ratings, movies }
}
