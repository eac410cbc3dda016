const cleanups = new Set<() => Promise<void>>()

/**
 * Registers something to undo (a child process, a broker) when the run ends, fails or is
 * interrupted. Returns a function that runs it once and forgets it.
 */
export function deferCleanup(cleanup: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | null = null
  const once = () => {
    cleanups.delete(once)
    done ??= cleanup()
    return done
  }
  cleanups.add(once)
  return once
}

/** Runs every cleanup still registered, newest first (servers before the broker they use). */
export async function runCleanups(): Promise<void> {
  for (const cleanup of [...cleanups].reverse()) {
    await cleanup().catch((error) => console.error('cleanup failed:', error))
  }
}
