// What one SQLite commit costs on this machine's disk, at the shop's durability level: every step
// of the saga commits, one at a time behind the process's write lock, so commits per order times
// this is a floor under the time the writer spends on each order.
import { Database } from 'bun:sqlite'
import { rmSync } from 'node:fs'
import { join } from 'node:path'

const COMMITS = 300

/** Mean ms per single-row transaction in a WAL file at `synchronous`, in `dir`. */
export function commitCostMs(dir: string, synchronous: string): number {
  const path = join(dir, `commit-probe-${Bun.randomUUIDv7()}.db`)
  const db = new Database(path, { create: true })
  try {
    db.exec('PRAGMA journal_mode=WAL')
    db.exec(`PRAGMA synchronous=${synchronous === 'normal' ? 'NORMAL' : 'FULL'}`)
    db.exec('create table probe (id integer primary key, body text not null)')
    const insert = db.prepare('insert into probe (body) values (?)')
    const body = 'x'.repeat(300)
    const started = performance.now()
    for (let i = 0; i < COMMITS; i++) db.transaction(() => insert.run(body))()
    return (performance.now() - started) / COMMITS
  } finally {
    db.close()
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true })
  }
}
