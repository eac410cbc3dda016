import type { Context, MiddlewareHandler } from 'hono'
import { UnsupportedMediaTypeError, ValidationError } from '../errors.ts'

/** Reads a JSON body: 415 for another content type, 400 naming the problem for malformed JSON. */
export async function readJsonBody(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? ''
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    throw new UnsupportedMediaTypeError(
      `Send the body as application/json${type ? `, not ${type.split(';')[0]}` : ' (no Content-Type was given)'}`,
    )
  }
  const text = await c.req.text()
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new ValidationError('The body is not valid JSON', [
      { field: 'body', message: (error as Error).message },
    ])
  }
}

/**
 * Checks the body is JSON before a `valid('json', …)` runs: zValidator reads a body of another
 * content type as `{}` and would report missing fields; this answers 415 (or 400 for malformed
 * JSON) first, as the ingest endpoints do. Hono caches the body for the validator.
 */
export const jsonBody: MiddlewareHandler = async (c, next) => {
  await readJsonBody(c)
  await next()
}
