import type { MiddlewareHandler } from 'hono'
import { AppError } from '../errors.ts'

export class CsrfError extends AppError {
  constructor() {
    super(
      'The form is missing its security token or it has expired; reload the page and try again',
      {
        code: 'CSRF_TOKEN_INVALID',
        status: 403,
      },
    )
  }
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])

/** A token bound to the visitor (their session or guest id), signed with the server's secret. */
export function csrfToken(secret: string, visitor: string): string {
  return new Bun.CryptoHasher('sha256', secret).update(`csrf:${visitor}`).digest('base64url')
}

function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  return crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b))
}

/**
 * Refuses every unsafe request without the visitor's token, in the `_csrf` form field (forms, and
 * htmx, which submits the form) or the `X-CSRF-Token` header (scripts). `exempt` paths take no
 * cookies at all (the machine event endpoints), so a forged request could not act as anyone there.
 */
export function csrfProtection(opts: {
  expected: (c: Parameters<MiddlewareHandler>[0]) => string
  exempt: string[]
}): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE.has(c.req.method) || opts.exempt.includes(c.req.path)) return next()
    let sent = c.req.header('x-csrf-token')
    const type = c.req.header('content-type') ?? ''
    if (!sent && /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) {
      const form = await c.req.parseBody()
      sent = typeof form._csrf === 'string' ? form._csrf : undefined
    }
    if (!sent || !sameToken(sent, opts.expected(c))) throw new CsrfError()
    return next()
  }
}
