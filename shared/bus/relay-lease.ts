import { readFileSync, readlinkSync } from 'node:fs'
import { hostname } from 'node:os'
import { threadId } from 'node:worker_threads'
import { and, eq, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { outboxRelay } from './schema.ts'

const NAME = 'relay'

// Containers can share a host name and a pid (pid 1 everywhere): the pid namespace tells their
// processes apart, so a relay never judges a pid it cannot see.
const HOST = `${hostname()}~${pidNamespace()}`

function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid').replace(/\D/g, '')
  } catch {
    return ''
  }
}

/**
 * A held lease is renewed at most this often (a fraction of the lease): renewing it before every
 * batch cost the relay one write transaction per batch, each one a moment when the request
 * thread's commits wait for the write lock.
 */
const RENEW_FRACTION = 12

/** Relays of this thread that have not stopped: a lease held by another one of ours is not stale. */
const running = new Set<string>()

interface Holder {
  host: string
  pid: number
  thread: number
}

function parseOwner(owner: string): Holder | null {
  const [host, pid, thread] = owner.split('/')
  if (!host || !pid || !thread) return null
  return { host, pid: Number(pid), thread: Number(thread) }
}

function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
  // A zombie runs no code: it is only waiting for its parent to collect its exit status.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
  } catch {
    return false
  }
}

/**
 * Whether the relay that owns a lease can no longer publish: its process on this host is gone, or
 * it was a relay of this thread that has stopped. Anything we cannot see (another host, another
 * thread of this process) only loses the lease by letting it expire, or when `gone` names it.
 */
function isDefunct(owner: string, gone: ReadonlySet<string>): boolean {
  if (gone.has(owner)) return true
  const holder = parseOwner(owner)
  if (!holder || holder.host !== HOST) return false
  if (holder.pid !== process.pid) return processIsGone(holder.pid)
  return holder.thread === threadId && !running.has(owner)
}

/**
 * The publishing lease of one relay. Its owner id names where the relay runs (host, pid, thread)
 * plus a random part, so the next relay can tell a dead holder from a live one and need not wait
 * for the lease to expire.
 */
export class RelayLease {
  readonly owner = `${HOST}/${process.pid}/${threadId}/${Bun.randomUUIDv7()}`
  readonly #db: Db
  readonly #leaseMs: number
  readonly #gone: ReadonlySet<string>
  /** The cursor as of our last write, while we hold the lease; null when unknown or not held. */
  #cursor: number | null = null
  #renewedAt = 0

  /** `gone`: owners known to be dead that this host cannot check (a terminated worker thread). */
  constructor(db: Db, leaseMs: number, gone: Iterable<string> = []) {
    this.#db = db
    this.#leaseMs = leaseMs
    this.#gone = new Set(gone)
    running.add(this.owner)
  }

  /**
   * Takes or renews the lease; returns the published cursor while this relay holds it, else null.
   * Within a twelfth of the lease after the last renewal it answers from memory: nobody else can
   * have moved the cursor (only the holder does) or taken the lease (it has most of its time left,
   * and this relay is alive), and `advanceCursors` checks the owner on every write regardless.
   */
  async hold(): Promise<number | null> {
    if (this.#cursor !== null && Date.now() - this.#renewedAt < this.#leaseMs / RENEW_FRACTION) {
      return this.#cursor
    }
    const now = Date.now()
    const seq = await this.#takeOrRenew(now + this.#leaseMs)
    this.#cursor = seq
    this.#renewedAt = now
    return seq
  }

  /** The holder moved the cursor to `seq` (as `advanceCursors` returned it). */
  advanced(seq: number): void {
    if (this.#cursor !== null) this.#cursor = seq
  }

  /** Forgets what this relay knew while holding the lease: the next `hold` asks the database. */
  forget(): void {
    this.#cursor = null
  }

  async #takeOrRenew(expires: number): Promise<number | null> {
    const rows = await this.#db
      .insert(outboxRelay)
      .values({ name: NAME, owner: this.owner, leaseExpiresAt: expires, publishedSeq: 0 })
      .onConflictDoUpdate({
        target: outboxRelay.name,
        set: { owner: this.owner, leaseExpiresAt: expires },
        setWhere: sql`${outboxRelay.owner} = ${this.owner} or ${outboxRelay.leaseExpiresAt} < ${Date.now()}`,
      })
      .returning({ owner: outboxRelay.owner, seq: outboxRelay.publishedSeq })
    if (rows[0]?.owner === this.owner) return rows[0].seq
    const [current] = await this.#db
      .select({ owner: outboxRelay.owner })
      .from(outboxRelay)
      .where(eq(outboxRelay.name, NAME))
    if (!current || !isDefunct(current.owner, this.#gone)) return null
    // Compare-and-set on the dead owner: of two relays that both saw it dead, one wins.
    const taken = await this.#db
      .update(outboxRelay)
      .set({ owner: this.owner, leaseExpiresAt: expires })
      .where(and(eq(outboxRelay.name, NAME), eq(outboxRelay.owner, current.owner)))
      .returning({ seq: outboxRelay.publishedSeq })
    return taken[0]?.seq ?? null
  }

  /** The published cursor if this relay holds the lease now, else null; renews nothing. */
  async cursorIfHeld(): Promise<number | null> {
    const [row] = await this.#db.select().from(outboxRelay).where(eq(outboxRelay.name, NAME))
    return row?.owner === this.owner ? row.publishedSeq : null
  }

  /** Hands the lease over at once instead of letting it expire; this relay publishes no more. */
  async release(): Promise<void> {
    running.delete(this.owner)
    this.#cursor = null
    await this.#db
      .update(outboxRelay)
      .set({ leaseExpiresAt: 0 })
      .where(and(eq(outboxRelay.name, NAME), eq(outboxRelay.owner, this.owner)))
  }
}
