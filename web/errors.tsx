import type { Context, ErrorHandler, NotFoundHandler } from 'hono'
import type { FC } from 'hono/jsx'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Visitor } from '../services/accounts/index.ts'
import { AppError } from '../shared/errors.ts'
import { errorToProblem } from '../shared/http/problem.ts'
import { Layout } from './layout.tsx'

const GUEST: Visitor = {
  user: null,
  guestId: '',
  shopperId: '',
  sessionToken: null,
  csrfToken: '',
  cartCount: 0,
  unreadNotifications: 0,
}

/**
 * Who to show the error page to. These handlers belong to the whole shop app, not to the shopper
 * app where `identify` runs, so a request that failed early or matched nothing may have no visitor.
 */
function visitorOf(c: Context): Visitor {
  const visitor: Visitor | undefined = c.get('visitor')
  return visitor ?? GUEST
}

export const ErrorPage: FC<{ visitor: Visitor; status: number; title: string; detail: string }> = (
  p,
) => (
  <Layout title={p.title} visitor={p.visitor}>
    <section class="card">
      <h1>{p.title}</h1>
      <p>{p.detail}</p>
      <p>
        <a href="/">Back to the shop</a>
      </p>
    </section>
  </Layout>
)

/** Whether a request wants a page rather than JSON: browsers' navigations and htmx requests. */
function wantsHtml(c: Context): boolean {
  if (
    c.req.path.startsWith('/api/') ||
    c.req.path.startsWith('/analytics/') ||
    c.req.path === '/openapi.json'
  )
    return false
  return (
    (c.req.header('accept') ?? '').includes('text/html') || c.req.header('hx-request') === 'true'
  )
}

export const notFoundPage: NotFoundHandler = (c) => {
  if (!wantsHtml(c))
    return errorToProblem(
      new AppError(`No route for ${c.req.method} ${c.req.path}`, {
        code: 'NOT_FOUND',
        status: 404,
      }),
      c,
    )
  return c.html(
    <ErrorPage
      visitor={visitorOf(c)}
      status={404}
      title="Page not found"
      detail="We could not find that page. It may have moved, or the link may be wrong."
    />,
    404,
  )
}

/** Pages get an error page; the JSON API and machines get Problem Details. Internals never leak. */
export const pageErrors: ErrorHandler = (error, c) => {
  if (!wantsHtml(c)) return errorToProblem(error, c)
  const problem = errorToProblem(error, c)
  const known = error instanceof AppError
  const status = problem.status as ContentfulStatusCode
  const title =
    status === 404
      ? 'Not found'
      : status === 403
        ? 'Not allowed'
        : status === 401
          ? 'Please log in'
          : known
            ? 'That did not work'
            : 'Something went wrong'
  const detail = known
    ? error.message
    : 'Something went wrong on our side. Please try again in a moment.'
  return c.html(
    <ErrorPage visitor={visitorOf(c)} status={status} title={title} detail={detail} />,
    status,
  )
}
