import { zValidator } from '@hono/zod-validator'
import type { z } from 'zod'
import { type FieldError, ValidationError } from '../errors.ts'

/** Each problem of a failed parse as a named field; an unknown key is named itself. */
export function fieldErrors(error: { issues: z.core.$ZodIssue[] }): FieldError[] {
  return error.issues.flatMap((issue) => {
    const at = issue.path.map(String).join('.')
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: at ? `${at}.${key}` : key,
        message: `Unknown field '${key}'`,
      }))
    }
    return [{ field: at || '(root)', message: issue.message }]
  })
}

/** Parses input with a schema or throws a ValidationError naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
): z.output<S> {
  const result = schema.safeParse(input)
  if (!result.success) throw new ValidationError(`${what} is invalid`, fieldErrors(result.error))
  return result.data
}

const WHERE: Record<string, string> = { query: 'query', param: 'path', json: 'body' }

/** A zValidator whose failures are our ValidationError, so `onError` renders problem+json. */
export function valid<T extends z.ZodType, Target extends 'query' | 'param' | 'json'>(
  target: Target,
  schema: T,
) {
  return zValidator(target, schema, (result) => {
    if (!result.success) {
      throw new ValidationError(
        `The request's ${WHERE[target]} is invalid`,
        fieldErrors(result.error),
      )
    }
  })
}
