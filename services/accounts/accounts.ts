import { and, count, eq, gt, lt } from 'drizzle-orm'
import { type Change, commit } from '../../shared/bus/commit.ts'
import type { Db } from '../../shared/db/client.ts'
import { AppError, ConflictError } from '../../shared/errors.ts'
import { createEvent } from '../../shared/events/envelope.ts'
import { type Role, sessions, type User, users } from './schema.ts'

const SOURCE = '/streamshop/accounts'

export class InvalidCredentialsError extends AppError {
  constructor() {
    super('That email and password do not match an account', {
      code: 'INVALID_CREDENTIALS',
      status: 401,
    })
  }
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase()
}

function sha256(text: string): string {
  return new Bun.CryptoHasher('sha256').update(text).digest('hex')
}

/** Creates a customer account and emits `user.registered`, in one transaction. */
export async function registerUser(
  db: Db,
  input: { email: string; name: string; password: string; role?: Role; guestId?: string },
): Promise<User> {
  const email = normaliseEmail(input.email)
  const [existing] = await db.select({ id: users.id }).from(users).where(eq(users.email, email))
  if (existing) throw new ConflictError('An account with that email already exists; log in instead')
  const user: User = {
    id: Bun.randomUUIDv7(),
    email,
    name: input.name.trim(),
    passwordHash: await Bun.password.hash(input.password),
    role: input.role ?? 'customer',
    createdAt: Date.now(),
  }
  const event = createEvent(
    'user.registered',
    {
      userId: user.id,
      metadata: { method: 'email', ...(input.guestId ? { guestId: input.guestId } : {}) },
    },
    { source: SOURCE },
  )
  try {
    await commit(db, (w) => [w.insert(users).values(user)], [event])
  } catch (error) {
    // Two registrations racing for one email: the unique index decides.
    if (String((error as Error).message).includes('UNIQUE')) {
      throw new ConflictError('An account with that email already exists; log in instead')
    }
    throw error
  }
  return user
}

// A real hash to compare against when the email is unknown, so both paths take the same time.
const NO_SUCH_USER_HASH = await Bun.password.hash('no such user')

/** The user for an email and password, or InvalidCredentialsError (never saying which was wrong). */
export async function authenticate(db: Db, email: string, password: string): Promise<User> {
  const [user] = await db
    .select()
    .from(users)
    .where(eq(users.email, normaliseEmail(email)))
  const ok = await Bun.password.verify(password, user?.passwordHash ?? NO_SUCH_USER_HASH)
  if (!user || !ok) throw new InvalidCredentialsError()
  return user
}

/**
 * Starts a session for a user who just proved who they are, ending the one they came with (so a
 * session id fixed before log-in is worthless after), and emits `user.logged_in` with the guest
 * id it replaces, all in one transaction. Returns the token for the cookie.
 */
export async function signIn(
  db: Db,
  input: { user: User; guestId: string; previousToken: string | null; ttlMs: number },
  also: Change[] = [],
): Promise<string> {
  const token = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')
  const now = Date.now()
  const event = createEvent(
    'user.logged_in',
    { userId: input.user.id, metadata: { guestId: input.guestId } },
    { source: SOURCE },
  )
  await commit(
    db,
    (w) => [
      w.insert(sessions).values({
        tokenHash: sha256(token),
        userId: input.user.id,
        createdAt: now,
        expiresAt: now + input.ttlMs,
      }),
      w.delete(sessions).where(eq(sessions.tokenHash, sha256(input.previousToken ?? ''))),
      ...also.flatMap((change) => change.statements(w)),
    ],
    [event, ...also.flatMap((change) => change.events)],
  )
  return token
}

/** Ends a session and emits `user.logged_out`. */
export async function signOut(db: Db, token: string, userId: string): Promise<void> {
  const event = createEvent('user.logged_out', { userId, metadata: {} }, { source: SOURCE })
  await commit(db, (w) => [w.delete(sessions).where(eq(sessions.tokenHash, sha256(token)))], [
    event,
  ])
}

/** Records a failed log-in for the audit trail, keyed by a hash of the email (never the email). */
export async function recordFailedLogin(db: Db, email: string, secret: string): Promise<void> {
  const subject = new Bun.CryptoHasher('sha256', secret)
    .update(normaliseEmail(email))
    .digest('hex')
    .slice(0, 32)
  const event = createEvent(
    'user.login_failed',
    { subject, reason: 'invalid credentials', metadata: {} },
    { source: SOURCE },
  )
  await commit(db, () => [], [event])
}

export async function userForSession(db: Db, token: string): Promise<User | null> {
  const [row] = await db
    .select({ user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, sha256(token)), gt(sessions.expiresAt, Date.now())))
  return row?.user ?? null
}

export async function pruneSessions(db: Db): Promise<void> {
  await db.delete(sessions).where(lt(sessions.expiresAt, Date.now()))
}

/** Creates the demo admin if it does not exist yet (idempotent). */
export async function ensureAdmin(
  db: Db,
  admin: { email: string; password: string },
): Promise<void> {
  const [existing] = await db
    .select({ id: users.id })
    .from(users)
    .where(eq(users.email, normaliseEmail(admin.email)))
  if (existing) return
  await registerUser(db, {
    email: admin.email,
    name: 'Admin',
    password: admin.password,
    role: 'admin',
  })
}

/** How many accounts have each role (every role listed, 0 when none has it). */
export async function usersPerRole(db: Db): Promise<Record<Role, number>> {
  const rows = await db.select({ role: users.role, n: count() }).from(users).groupBy(users.role)
  const counts: Record<Role, number> = { customer: 0, admin: 0 }
  for (const row of rows) counts[row.role] = row.n
  return counts
}
