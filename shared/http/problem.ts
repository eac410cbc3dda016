import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { AppError, ValidationError } from '../errors.ts'
import { log } from '../observability/log.ts'

/** An RFC 9457 Problem Details body, with our stable `code` and, for validation, each bad field. */
export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: string
  instance?: string
  errors?: { field: string; message: string }[]
  [extension: string]: unknown
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

export interface ProblemInput {
  status: number
  code: string
  detail: string
  title?: string
  errors?: Problem['errors']
  [extension: string]: unknown
}

export function problemResponse(c: Context, problem: ProblemInput): Response {
  const body: Problem = {
    type: 'about:blank',
    ...problem,
    title: problem.title ?? TITLES[problem.status] ?? 'Error',
    instance: c.req.path,
    // The seed's clients read `success` and `error`; RFC 9457 allows extension members.
    success: false,
    error: problem.detail,
  }
  return c.body(JSON.stringify(body), problem.status as ContentfulStatusCode, {
    'content-type': 'application/problem+json',
  })
}

/** Maps any error to Problem Details: our errors keep their status and code; anything else is a 500 without internals. */
export function errorToProblem(error: unknown, c: Context): Response {
  if (error instanceof ValidationError) {
    return problemResponse(c, {
      status: 400,
      code: error.code,
      detail: error.message,
      errors: error.errors,
    })
  }
  if (error instanceof AppError) {
    if (error.retryAfterSeconds !== undefined)
      c.header('retry-after', String(Math.ceil(error.retryAfterSeconds)))
    return problemResponse(c, {
      status: error.status,
      code: error.code,
      detail: error.message,
    })
  }
  if (error instanceof HTTPException) {
    const status = error.status
    const code =
      status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 400 ? 'BAD_REQUEST' : `HTTP_${status}`
    return problemResponse(c, {
      status,
      code,
      detail: error.message || TITLES[status] || 'Request failed',
    })
  }
  log.error(
    { err: error, path: c.req.path, requestId: c.get('requestId' as never) },
    'unhandled error',
  )
  return problemResponse(c, {
    status: 500,
    code: 'INTERNAL',
    detail: 'Something went wrong on our side; the request id identifies it in our logs.',
    requestId: c.get('requestId' as never),
  })
}
