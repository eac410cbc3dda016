// Reading MovieLens files: both rating formats, the movies beside them, and errors that say where.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type Dataset,
  DatasetError,
  loadDataset,
} from '../../../services/recommender/eval/dataset.ts'
import { writeMovieLens } from '../../helpers/movielens.ts'

const root = mkdtempSync(join(tmpdir(), 'eval-dataset-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** Writes `files` into a fresh folder and returns the path of the first. */
function folder(files: Record<string, string | Buffer>): string {
  const dir = join(root, crypto.randomUUID())
  mkdirSync(dir)
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  return join(dir, Object.keys(files)[0] as string)
}

/** Each rating as `user item rating ms`, in file order. */
function rows(d: Dataset): string[] {
  return Array.from(d.user, (u, i) =>
    [d.userIds[u], d.itemIds[d.item[i] as number], d.rating[i], d.at[i]].join(' '),
  )
}

function errorOf(path: string): DatasetError {
  try {
    loadDataset(path)
  } catch (error) {
    if (error instanceof DatasetError) return error
    throw error
  }
  throw new Error(`${path} loaded without error`)
}

describe('loadDataset', () => {
  test('reads u.data: tab-separated, no header, seconds become milliseconds', () => {
    const path = folder({ 'u.data': '196\t242\t3\t881250949\n186\t302\t3\t891717742\r\n\n' })
    const d = loadDataset(path)
    expect(d.format).toBe('u.data')
    expect(rows(d)).toEqual(['196 242 3 881250949000', '186 302 3 891717742000'])
    expect(d.items).toEqual([])
  })

  test('reads ratings.csv with half-star ratings, and the movies beside it', () => {
    const path = folder({
      'ratings.csv': 'userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,11,3.5,964981247\n',
      'movies.csv': [
        'movieId,title,genres',
        '1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy',
        '11,"American President, The (1995)",Comedy|Drama|Romance',
        '12,"Say ""Cheese"", Please (2001)",Comedy',
        '13,Unknown Film (2018),(no genres listed)',
      ].join('\n'),
    })
    const d = loadDataset(path)
    expect(d.format).toBe('ratings.csv')
    expect(rows(d)).toEqual(['1 1 4 964982703000', '1 11 3.5 964981247000'])
    expect(d.itemsPath).toEndWith('movies.csv')
    expect(d.items).toEqual([
      {
        id: '1',
        name: 'Toy Story (1995)',
        category: 'Adventure',
        categoryName: 'Adventure',
        attributes: { genres: 'Adventure|Animation|Children|Comedy|Fantasy' },
      },
      {
        id: '11',
        name: 'American President, The (1995)',
        category: 'Comedy',
        categoryName: 'Comedy',
        attributes: { genres: 'Comedy|Drama|Romance' },
      },
      {
        id: '12',
        name: 'Say "Cheese", Please (2001)',
        category: 'Comedy',
        categoryName: 'Comedy',
        attributes: { genres: 'Comedy' },
      },
      { id: '13', name: 'Unknown Film (2018)' },
    ])
  })

  test('reads u.item beside u.data as Latin-1, genres from its flags', () => {
    const flags = (on: number[]) => Array.from({ length: 19 }, (_, g) => (on.includes(g) ? 1 : 0))
    const path = folder({
      'u.data': '1\t1\t5\t874965758\n',
      'u.item': Buffer.from(
        `${['1', 'Café Society (1995)', '01-Jan-1995', '', 'http://x', ...flags([3, 5])].join('|')}\n`,
        'latin1',
      ),
    })
    expect(loadDataset(path).items).toEqual([
      {
        id: '1',
        name: 'Café Society (1995)',
        category: 'Animation',
        categoryName: 'Animation',
        attributes: { genres: 'Animation|Comedy' },
      },
    ])
  })

  test('reads ml-1m: ratings.dat and movies.dat, separated by ::', () => {
    const path = folder({
      'ratings.dat': '1::1193::5::978300760\n',
      'movies.dat': Buffer.from("1193::Vol au-dessus d'un nid de coucou (1975)::Drama\n", 'latin1'),
    })
    const d = loadDataset(path)
    expect(d.format).toBe('ratings.dat')
    expect(rows(d)).toEqual(['1 1193 5 978300760000'])
    expect(d.items.map((m) => [m.id, m.category])).toEqual([['1193', 'Drama']])
  })

  test('reads what the generator writes, in both formats', () => {
    for (const format of ['u.data', 'ratings.csv'] as const) {
      const opts = { format, users: 20, items: 30, clusters: 3, perUser: 10, seed: 3 }
      const files = writeMovieLens(join(root, `gen-${format}`), opts)
      const d = loadDataset(files.ratings)
      expect(d.format).toBe(format)
      expect(d.user.length).toBe(200)
      expect(d.userIds.length).toBe(20)
      expect(d.items.length).toBe(30)
      expect(d.items.filter((m) => m.name.includes(',')).length).toBe(4)
      expect(new Set(d.items.map((m) => m.category))).toEqual(
        new Set(['Action', 'Adventure', 'Animation']),
      )
    }
  })
})

describe('loadDataset refuses bad files, naming the file and line', () => {
  test('a line with the wrong number of fields', () => {
    const path = folder({ 'ratings.csv': 'userId,movieId,rating,timestamp\n1,1,4,9\n1,2,9\n' })
    const error = errorOf(path)
    expect(error.message).toBe(`${path}:3: expected 4 fields, got 3`)
    expect(error.line).toBe(3)
  })

  test('a rating that is not a number', () => {
    const path = folder({ 'u.data': '1\t1\t5\t874965758\n1\t2\tfive\t874965759\n' })
    expect(errorOf(path).message).toBe(`${path}:2: rating 'five' is not a number`)
  })

  test('a rating off the MovieLens scale, and a timestamp that is not whole seconds', () => {
    const scale = folder({ 'u.data': '1\t1\t7\t874965758\n' })
    expect(errorOf(scale).message).toBe(`${scale}:1: rating 7 is outside MovieLens's 0.5–5`)
    const time = folder({ 'u.data': '1\t1\t4\t2024-01-01\n' })
    expect(errorOf(time).message).toContain(`${time}:1: timestamp '2024-01-01'`)
  })

  test('an empty file, and a header with no ratings', () => {
    const empty = folder({ 'ratings.csv': '' })
    expect(errorOf(empty).message).toBe(`${empty}: empty file: no ratings`)
    const header = folder({ 'ratings.csv': 'userId,movieId,rating,timestamp\n' })
    expect(errorOf(header).message).toBe(`${header}: no ratings, only a header`)
  })

  test('a file in no format it knows', () => {
    const path = folder({ 'data.csv': 'user,item,score\n1,2,3\n' })
    const error = errorOf(path)
    expect(error.message).toStartWith(`${path}:1: unknown format`)
    expect(error.message).toContain("got 'user,item,score'")
  })

  test('a bad line in the movies file names that file', () => {
    const path = folder({
      'ratings.csv': 'userId,movieId,rating,timestamp\n1,1,4,9\n',
      'movies.csv': 'movieId,title,genres\n1,Toy Story (1995),Animation\n2 Jumanji\n',
    })
    expect(errorOf(path).message).toBe(
      `${path.replace('ratings.csv', 'movies.csv')}:3: expected 3 fields (movieId,title,genres)`,
    )
  })
})
