// MovieLens ratings (and the movies beside them) read into columns: one typed array per field, ids
// interned to small integers, so a million ratings cost a few tens of megabytes, not a million
// objects. The format is told by the content, never by the file name.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { AppError } from '../../../shared/errors.ts'
import type { ItemInfo } from '../models/types.ts'

export type RatingsFormat = 'u.data' | 'ratings.csv' | 'ratings.dat'

/**
 * Every rating in file order, column-wise: `user[i]` rated `item[i]` with `rating[i]` at `at[i]`
 * (epoch ms). User and item numbers index `userIds` and `itemIds`.
 */
export interface Dataset {
  path: string
  format: RatingsFormat
  userIds: string[]
  itemIds: string[]
  user: Int32Array
  item: Int32Array
  rating: Float32Array
  at: Float64Array
  /** The movies file beside the ratings, if there is one; empty otherwise. */
  items: ItemInfo[]
  /** The movies file the items came from. */
  itemsPath?: string
}

/** A file that is not the MovieLens data it should be; names the file and the 1-based line. */
export class DatasetError extends AppError {
  readonly file: string
  readonly line?: number

  constructor(file: string, line: number | undefined, problem: string) {
    super(`${line === undefined ? file : `${file}:${line}`}: ${problem}`, {
      code: 'DATASET_INVALID',
      status: 422,
    })
    this.file = file
    this.line = line
  }
}

const CSV_HEADER = 'userId,movieId,rating,timestamp'

/** Per format: how fields are separated, and which movies file may sit beside the ratings. */
const FORMATS: Record<RatingsFormat, { separator: string; movies: string }> = {
  'u.data': { separator: '\t', movies: 'u.item' },
  'ratings.csv': { separator: ',', movies: 'movies.csv' },
  'ratings.dat': { separator: '::', movies: 'movies.dat' },
}

/** u.item's 19 genre flags, in file order. */
// biome-ignore format: a table reads better packed
const U_ITEM_GENRES = [
  'unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary',
  'Drama', 'Fantasy', 'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller',
  'War', 'Western',
]

/** Calls `visit` with each line (no `\r\n`) and its 1-based number, without splitting the file. */
function eachLine(text: string, visit: (line: string, n: number) => void): void {
  let start = 0
  for (let n = 1; start < text.length; n++) {
    let end = text.indexOf('\n', start)
    if (end < 0) end = text.length
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end
    visit(text.slice(start, stop), n)
    start = end + 1
  }
}

function detectFormat(path: string, text: string): RatingsFormat {
  const nl = text.indexOf('\n')
  const first = (nl < 0 ? text : text.slice(0, nl)).replace(/^\uFEFF/, '').trim()
  if (first === CSV_HEADER) return 'ratings.csv'
  if (first.split('\t').length === 4) return 'u.data'
  if (first.split('::').length === 4) return 'ratings.dat'
  const shown = first.length > 60 ? `${first.slice(0, 60)}…` : first
  throw new DatasetError(
    path,
    1,
    `unknown format: expected a ratings.csv header (${CSV_HEADER}), a u.data line ` +
      `(user<TAB>item<TAB>rating<TAB>timestamp) or a ratings.dat line (user::item::rating::timestamp), got '${shown}'`,
  )
}

/** Grows by doubling; `done()` returns a view of exactly what was pushed. */
function column<T extends Float64Array | Float32Array | Int32Array>(make: (n: number) => T) {
  let data = make(1024)
  let length = 0
  return {
    push(value: number) {
      if (length === data.length) {
        const bigger = make(data.length * 2)
        bigger.set(data)
        data = bigger
      }
      data[length++] = value
    },
    done: () => data.slice(0, length) as T,
  }
}

function interner() {
  const ids: string[] = []
  const index = new Map<string, number>()
  return {
    ids,
    of(id: string): number {
      let i = index.get(id)
      if (i === undefined) {
        i = ids.length
        ids.push(id)
        index.set(id, i)
      }
      return i
    },
  }
}

/**
 * Reads MovieLens ratings — `u.data` (ml-100k), `ratings.csv` (ml-latest) or `ratings.dat` (ml-1m),
 * told apart by their first line — and the movies file beside them, if any: `u.item`, `movies.csv`
 * or `movies.dat`. Each movie becomes an item whose category is its first genre and whose
 * `genres` attribute lists them all, `|`-separated (the content model splits on `|`).
 * @throws DatasetError naming the file and line of the first thing wrong.
 */
export function loadDataset(path: string): Dataset {
  const text = readFileSync(path, 'utf8')
  if (text.trim() === '') throw new DatasetError(path, undefined, 'empty file: no ratings')
  const format = detectFormat(path, text)
  const { separator } = FORMATS[format]
  const users = interner()
  const items = interner()
  const user = column((n) => new Int32Array(n))
  const item = column((n) => new Int32Array(n))
  const rating = column((n) => new Float32Array(n))
  const at = column((n) => new Float64Array(n))
  eachLine(text, (line, n) => {
    if (line.trim() === '' || (n === 1 && format === 'ratings.csv')) return
    const fields = line.split(separator)
    if (fields.length !== 4) {
      throw new DatasetError(path, n, `expected 4 fields, got ${fields.length}`)
    }
    const [u = '', i = '', r = '', t = ''] = fields.map((f) => f.trim())
    if (u === '') throw new DatasetError(path, n, 'empty user id')
    if (i === '') throw new DatasetError(path, n, 'empty item id')
    const value = Number(r)
    if (r === '' || !Number.isFinite(value)) {
      throw new DatasetError(path, n, `rating '${r}' is not a number`)
    }
    if (value < 0.5 || value > 5) {
      throw new DatasetError(path, n, `rating ${r} is outside MovieLens's 0.5–5`)
    }
    if (!/^\d+$/.test(t)) {
      throw new DatasetError(path, n, `timestamp '${t}' is not whole seconds since 1970`)
    }
    user.push(users.of(u))
    item.push(items.of(i))
    rating.push(value)
    at.push(Number(t) * 1000)
  })
  const ratings = {
    path,
    format,
    userIds: users.ids,
    itemIds: items.ids,
    user: user.done(),
    item: item.done(),
    rating: rating.done(),
    at: at.done(),
  }
  if (ratings.user.length === 0)
    throw new DatasetError(path, undefined, 'no ratings, only a header')
  const itemsPath = join(dirname(path), FORMATS[format].movies)
  if (!existsSync(itemsPath)) return { ...ratings, items: [] }
  return { ...ratings, items: loadMovies(itemsPath, format), itemsPath }
}

function movie(id: string, name: string, genres: string[]): ItemInfo {
  const known = genres.filter((g) => g !== '' && g !== '(no genres listed)' && g !== 'unknown')
  const item: ItemInfo = { id, name }
  if (known[0]) {
    item.category = known[0]
    item.categoryName = known[0]
    item.attributes = { genres: known.join('|') }
  }
  return item
}

/** A movies file's items; `format` is that of the ratings beside it. */
export function loadMovies(path: string, format: RatingsFormat): ItemInfo[] {
  // u.item and movies.dat predate UTF-8 in MovieLens: their titles are Latin-1.
  const bytes = readFileSync(path)
  const text = new TextDecoder(format === 'ratings.csv' ? 'utf-8' : 'latin1').decode(bytes)
  const movies: ItemInfo[] = []
  eachLine(text, (line, n) => {
    if (line.trim() === '' || (n === 1 && format === 'ratings.csv')) return
    const parse = format === 'ratings.csv' ? csvMovie : format === 'u.data' ? uItem : datMovie
    const parsed = parse(line)
    if (typeof parsed === 'string') throw new DatasetError(path, n, parsed)
    movies.push(parsed)
  })
  return movies
}

/**
 * `movieId,title,genres`: genres never hold a comma, so the id runs to the first comma and the
 * genres from the last; the title between is quoted when it has commas, quotes doubled inside.
 */
function csvMovie(line: string): ItemInfo | string {
  const first = line.indexOf(',')
  const last = line.lastIndexOf(',')
  if (first < 0 || first === last) return 'expected 3 fields (movieId,title,genres)'
  let title = line.slice(first + 1, last)
  if (title.startsWith('"')) {
    if (!title.endsWith('"') || title.length < 2) return `unterminated quoted title ${title}`
    title = title.slice(1, -1).replaceAll('""', '"')
  }
  const id = line.slice(0, first).trim()
  if (id === '') return 'empty movieId'
  return movie(id, title, line.slice(last + 1).split('|'))
}

/** `id|title|release|video release|url|` then 19 genre flags. */
function uItem(line: string): ItemInfo | string {
  const fields = line.split('|')
  if (fields.length !== 5 + U_ITEM_GENRES.length) {
    return `expected ${5 + U_ITEM_GENRES.length} fields, got ${fields.length}`
  }
  const genres = U_ITEM_GENRES.filter((_, g) => fields[5 + g] === '1')
  return movie(fields[0] ?? '', fields[1] ?? '', genres)
}

/** `id::title::genres`. */
function datMovie(line: string): ItemInfo | string {
  const fields = line.split('::')
  if (fields.length !== 3) return `expected 3 fields, got ${fields.length}`
  return movie(fields[0] ?? '', fields[1] ?? '', (fields[2] ?? '').split('|'))
}
