/** Which SQLite constraint a failed write broke, and SQLite's own words for it. */
export interface ConstraintViolation {
  kind: 'unique' | 'foreign_key' | 'check' | 'not_null' | 'other'
  /** e.g. `UNIQUE constraint failed: products.slug` */
  message: string
}

const KINDS: [RegExp, ConstraintViolation['kind']][] = [
  [/UNIQUE constraint failed|PRIMARY KEY/i, 'unique'],
  [/FOREIGN KEY constraint failed/i, 'foreign_key'],
  [/CHECK constraint failed/i, 'check'],
  [/NOT NULL constraint failed/i, 'not_null'],
]

/**
 * The constraint violation behind an error, if that is what it is. drizzle wraps driver errors
 * (`DrizzleQueryError`) while batches throw libSQL's own, so this walks the `cause` chain.
 */
export function constraintViolation(error: unknown): ConstraintViolation | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (code !== 'SQLITE_CONSTRAINT' && !String(code ?? '').startsWith('SQLITE_CONSTRAINT_'))
      continue
    const found = KINDS.find(([pattern]) => pattern.test(e.message))
    return {
      kind: found?.[1] ?? 'other',
      message: e.message.replace(/^(SQLITE_CONSTRAINT: )+/, ''),
    }
  }
  return undefined
}

/**
 * Awaits a write; if it broke a constraint, throws the error `explain` gives for it (a 409 the
 * user understands), else the original error.
 */
export async function explainConstraint<T>(
  write: Promise<T>,
  explain: (violation: ConstraintViolation) => Error | undefined,
): Promise<T> {
  try {
    return await write
  } catch (error) {
    const violation = constraintViolation(error)
    throw (violation && explain(violation)) ?? error
  }
}
