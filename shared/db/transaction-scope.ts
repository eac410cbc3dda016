import { AsyncLocalStorage } from 'node:async_hooks'

/** What code running inside `db.transaction(...)` can know about its transaction. */
interface TransactionScope {
  /** Whether this transaction holds the process's write lock (from BEGIN until it ends). */
  holdsWriteLock: boolean
  /** Run once the transaction has committed; dropped on rollback. */
  afterCommit: (() => void)[]
}

const scopes = new AsyncLocalStorage<TransactionScope>()

/** A write through `db` from inside a transaction of the same process: it could only deadlock. */
export class NestedWriteError extends Error {
  constructor() {
    super(
      'A write through `db` inside `db.transaction(...)` would wait forever for the lock its own ' +
        'transaction holds: write through the transaction (`tx`, or `ctx.tx` in a consumer) instead',
    )
    this.name = 'NestedWriteError'
  }
}

/** Runs `body` as the scope of one transaction, then its after-commit hooks if it committed. */
export async function inTransactionScope<T>(body: () => Promise<T>): Promise<T> {
  // A transaction inside a transaction of this process would wait for the outer one's lock.
  assertNotInsideOwnTransaction()
  const scope: TransactionScope = { holdsWriteLock: false, afterCommit: [] }
  const result = await scopes.run(scope, body)
  for (const hook of scope.afterCommit) hook()
  return result
}

/** Marks the current transaction as holding the write lock, until `release` runs. */
export function markWriteLockHeld(): () => void {
  const scope = scopes.getStore()
  if (scope) scope.holdsWriteLock = true
  return () => {
    if (scope) scope.holdsWriteLock = false
  }
}

/** Throws instead of deadlocking when the caller's own transaction already holds the write lock. */
export function assertNotInsideOwnTransaction(): void {
  if (scopes.getStore()?.holdsWriteLock) throw new NestedWriteError()
}

/**
 * Runs `hook` once the enclosing transaction commits, or at once outside a transaction: how a
 * write inside a transaction wakes the relay only when its events are visible.
 */
export function afterCommit(hook: () => void): void {
  // Any database: the scope lasts exactly as long as its transaction, lock or not (libSQL server).
  const scope = scopes.getStore()
  if (scope) scope.afterCommit.push(hook)
  else hook()
}

/**
 * Runs `body` inside the current transaction (a savepoint's work, say) and forgets the after-commit
 * hooks it registered if it fails: what a part of a transaction rolled back to its savepoint asked
 * for must not run when the rest commits.
 */
export async function dropHooksOnFailure<T>(body: () => Promise<T>): Promise<T> {
  const scope = scopes.getStore()
  const before = scope?.afterCommit.length ?? 0
  try {
    return await body()
  } catch (error) {
    if (scope) scope.afterCommit.length = before
    throw error
  }
}
