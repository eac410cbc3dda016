import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { requestId } from 'hono/request-id'
import { secureHeaders } from 'hono/secure-headers'
import { PayloadTooLargeError } from '../errors.ts'
import { httpMetrics } from '../observability/metrics.ts'
import { errorToProblem, problemResponse } from './problem.ts'

export interface AppOptions {
  /** Largest request body accepted anywhere, in bytes. */
  maxBodyBytes: number
}

/**
 * The one Hono app factory: request id, security headers (a CSP that allows only 'self'), a body
 * limit, latency metrics, and Problem Details for every error and unknown route.
 */
export function createApp(opts: AppOptions): Hono {
  const app = new Hono()
  app.use(requestId())
  app.use(async (c, next) => {
    const started = performance.now()
    await next()
    const route = c.req.routePath || 'unmatched'
    httpMetrics.requestSeconds.observe(
      { method: c.req.method, route, status: String(c.res.status) },
      (performance.now() - started) / 1000,
    )
  })
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
      },
    }),
  )
  app.use(
    bodyLimit({
      maxSize: opts.maxBodyBytes,
      onError: () => {
        throw new PayloadTooLargeError(`The request body is larger than ${opts.maxBodyBytes} bytes`)
      },
    }),
  )
  app.onError(errorToProblem)
  app.notFound((c) =>
    problemResponse(c, {
      status: 404,
      code: 'NOT_FOUND',
      detail: `No route for ${c.req.method} ${c.req.path}`,
    }),
  )
  return app
}
