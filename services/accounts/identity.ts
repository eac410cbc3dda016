import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie'
import type { Db } from '../../shared/db/client.ts'
import { AppError } from '../../shared/errors.ts'
import { csrfToken } from '../../shared/http/csrf.ts'
import { userForSession } from './accounts.ts'
import type { Role, User } from './schema.ts'

export const SESSION_COOKIE = 'ss_session'
export const GUEST_COOKIE = 'ss_guest'
const GUEST_ID = /^g_[0-9a-f-]{36}$/

/** Who is asking: the signed-in user, if any, and the guest id this browser carries either way. */
export interface Visitor {
  user: User | null
  guestId: string
  /** The id events and carts are keyed by: the user's once signed in, else the guest's. */
  shopperId: string
  sessionToken: string | null
  csrfToken: string
  /** Items in the cart, for the header; the shop app fills it in for pages (0 until then). */
  cartCount: number
  /** Unread notifications, for the header's menu; the shop app fills it in for signed-in pages. */
  unreadNotifications: number
}

/**
 * The env of an app whose requests all pass `identify` first: there, and only there, every handler
 * has a visitor. Mount `identify` as the first middleware of such an app.
 */
export interface VisitorEnv {
  Variables: { visitor: Visitor }
}

export interface IdentityOptions {
  db: Db
  secret: string
  secure: boolean
}

function cookieOptions(secure: boolean, maxAgeSeconds: number) {
  return { httpOnly: true, sameSite: 'Lax' as const, secure, path: '/', maxAge: maxAgeSeconds }
}

const GUEST_MAX_AGE = 365 * 24 * 3600

/** Sets a fresh guest id (a new visitor, or after logging out). */
async function newGuest(c: Context, opts: IdentityOptions): Promise<string> {
  const guestId = `g_${Bun.randomUUIDv7()}`
  await setSignedCookie(
    c,
    GUEST_COOKIE,
    guestId,
    opts.secret,
    cookieOptions(opts.secure, GUEST_MAX_AGE),
  )
  return guestId
}

/** Gives the browser the signed, HttpOnly cookie of a session `signIn` just started. */
export async function setSessionCookie(
  c: Context,
  token: string,
  opts: IdentityOptions & { sessionTtlMs: number },
): Promise<void> {
  await setSignedCookie(
    c,
    SESSION_COOKIE,
    token,
    opts.secret,
    cookieOptions(opts.secure, opts.sessionTtlMs / 1000),
  )
}

/**
 * Forgets the session cookie and gives the browser a new guest id, so the next person at this
 * browser does not inherit this one's cart.
 */
export async function clearSessionCookie(c: Context, opts: IdentityOptions): Promise<void> {
  deleteCookie(c, SESSION_COOKIE, { path: '/' })
  await newGuest(c, opts)
}

/**
 * Reads the signed session and guest cookies. A missing, expired or tampered cookie makes a new
 * guest; it is never trusted.
 */
export function identify(opts: IdentityOptions): MiddlewareHandler<VisitorEnv> {
  return async (c, next) => {
    const token = (await getSignedCookie(c, opts.secret, SESSION_COOKIE)) || null
    const user = token ? await userForSession(opts.db, token) : null
    if (token && !user) deleteCookie(c, SESSION_COOKIE, { path: '/' })
    const cookieGuest = await getSignedCookie(c, opts.secret, GUEST_COOKIE)
    const guestId =
      cookieGuest && GUEST_ID.test(cookieGuest) ? cookieGuest : await newGuest(c, opts)
    const sessionToken = user ? token : null
    c.set('visitor', {
      user,
      guestId,
      shopperId: user?.id ?? guestId,
      sessionToken,
      csrfToken: csrfToken(opts.secret, sessionToken ?? guestId),
      cartCount: 0,
      unreadNotifications: 0,
    })
    await next()
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super(message, { code: 'FORBIDDEN', status: 403 })
  }
}

/** Lets only signed-in users with the role through; everyone else, guests included, gets 403. */
export function requireRole(role: Role): MiddlewareHandler<VisitorEnv> {
  return async (c, next) => {
    const { user } = c.get('visitor')
    if (user?.role !== role) {
      throw new ForbiddenError(
        user ? `This needs the ${role} role` : `Log in with an account that has the ${role} role`,
      )
    }
    await next()
  }
}
