import type { Context } from 'hono'
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
