import { zValidator } from '@hono/zod-validator'
import { type Context, Hono } from 'hono'
import { z } from 'zod'
import {
  authenticate,
  clearSessionCookie,
  type IdentityOptions,
  InvalidCredentialsError,
  recordFailedLogin,
  registerUser,
  setSessionCookie,
  signIn,
  signOut,
  type VisitorEnv,
} from '../../services/accounts/index.ts'
import type { Change } from '../../shared/bus/commit.ts'
import type { Db } from '../../shared/db/client.ts'
import { ConflictError } from '../../shared/errors.ts'
import { rateLimit } from '../../shared/http/rate-limit.ts'
import { type FormState, LoginPage, RegisterPage } from './accounts-views.tsx'

/** Work another context does in the log-in transaction, e.g. moving the guest's cart to the user. */
export type SignInHook = (db: Db, guestId: string, userId: string) => Promise<Change>

export interface AccountPagesOptions extends IdentityOptions {
  sessionTtlMs: number
  authRateLimitPerMin: number
  trustProxy: boolean
  onSignIn?: SignInHook[]
}

const loginForm = z.object({
  email: z.string().trim().min(1, 'Enter your email'),
  password: z.string().min(1, 'Enter your password'),
})
const registerForm = z.object({
  name: z.string().trim().min(1, 'Enter your name').max(100, 'At most 100 characters'),
  email: z.email('Enter a valid email').max(254),
  password: z.string().min(10, 'Use at least 10 characters').max(200, 'At most 200 characters'),
})

/** Only local paths: `next` must never send a shopper to another site after logging in. */
function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])/.test(next) ? next : '/'
}

function fieldErrors(issues: z.core.$ZodIssue[]): Record<string, string> {
  return Object.fromEntries(issues.map((i) => [String(i.path[0]), i.message]))
}

function formValues(c: Context, keys: string[]): Promise<Record<string, string>> {
  return c.req
    .parseBody()
    .then((b) =>
      Object.fromEntries(keys.map((k) => [k, typeof b[k] === 'string' ? (b[k] as string) : ''])),
    )
}

type AuthPage = typeof LoginPage | typeof RegisterPage

/** Renders the log-in or registration page for this visitor, keeping where they were going. */
function show(
  c: Context<VisitorEnv>,
  Page: AuthPage,
  state: FormState,
  status: 200 | 400 | 401 | 409 = 200,
) {
  return c.html(
    <Page visitor={c.get('visitor')} state={state} next={safeNext(c.req.query('next'))} />,
    status,
  )
}

/**
 * A zValidator hook that puts an invalid form back with each field's error and what was typed.
 * (zValidator types a hook's context without the app's env, hence the plain `Context`.)
 */
function redisplay(Page: AuthPage, keep: string[]) {
  return async (
    result: { success: true } | { success: false; error: z.core.$ZodError },
    c: Context,
  ) => {
    if (result.success) return
    return show(
      c,
      Page,
      { values: await formValues(c, keep), errors: fieldErrors(result.error.issues) },
      400,
    )
  }
}

/** Log-in, registration and log-out pages and their forms. */
export function accountPages(opts: AccountPagesOptions): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
  const limit = rateLimit({
    limit: opts.authRateLimitPerMin,
    windowMs: 60_000,
    trustProxy: opts.trustProxy,
  })

  async function startSession(
    c: Context<VisitorEnv>,
    user: Awaited<ReturnType<typeof authenticate>>,
  ) {
    const visitor = c.get('visitor')
    const also = await Promise.all(
      (opts.onSignIn ?? []).map((hook) => hook(opts.db, visitor.guestId, user.id)),
    )
    const token = await signIn(
      opts.db,
      {
        user,
        guestId: visitor.guestId,
        previousToken: visitor.sessionToken,
        ttlMs: opts.sessionTtlMs,
      },
      also,
    )
    await setSessionCookie(c, token, opts)
    return c.redirect(safeNext(c.req.query('next')), 303)
  }

  app.get('/login', (c) => show(c, LoginPage, {}))
  app.get('/register', (c) => show(c, RegisterPage, {}))

  app.post(
    '/login',
    limit,
    zValidator('form', loginForm, redisplay(LoginPage, ['email'])),
    async (c) => {
      const { email, password } = c.req.valid('form')
      try {
        return await startSession(c, await authenticate(opts.db, email, password))
      } catch (error) {
        if (!(error instanceof InvalidCredentialsError)) throw error
        await recordFailedLogin(opts.db, email, opts.secret)
        return show(c, LoginPage, { values: { email }, message: error.message }, 401)
      }
    },
  )

  app.post(
    '/register',
    limit,
    zValidator('form', registerForm, redisplay(RegisterPage, ['name', 'email'])),
    async (c) => {
      const input = c.req.valid('form')
      try {
        const user = await registerUser(opts.db, { ...input, guestId: c.get('visitor').guestId })
        return await startSession(c, user)
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error
        const state = {
          values: { name: input.name, email: input.email },
          errors: { email: error.message },
        }
        return show(c, RegisterPage, state, 409)
      }
    },
  )

  app.post('/logout', async (c) => {
    const { sessionToken, user } = c.get('visitor')
    if (sessionToken && user) await signOut(opts.db, sessionToken, user.id)
    await clearSessionCookie(c, opts)
    return c.redirect('/', 303)
  })

  return app
}
