/** Base of every error we raise on purpose: a stable code, an HTTP status, and whether a retry can help. */
export class AppError extends Error {
  readonly code: string
  readonly status: number
  readonly canRetry: boolean
  readonly details?: unknown
  /** When a retry may succeed, in seconds: sent as Retry-After. */
  readonly retryAfterSeconds?: number

  constructor(
    message: string,
    opts: {
      code: string
      status: number
      canRetry?: boolean
      cause?: unknown
      details?: unknown
      retryAfterSeconds?: number
    },
  ) {
    super(message, { cause: opts.cause })
    this.name = new.target.name
    this.code = opts.code
    this.status = opts.status
    this.canRetry = opts.canRetry ?? false
    this.details = opts.details
    this.retryAfterSeconds = opts.retryAfterSeconds
  }
}

export interface FieldError {
  field: string
  message: string
}

export class ValidationError extends AppError {
  readonly errors: FieldError[]
  constructor(message: string, errors: FieldError[]) {
    super(message, { code: 'VALIDATION_FAILED', status: 400 })
    this.errors = errors
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super(message, { code: 'NOT_FOUND', status: 404 })
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(message, { code: 'CONFLICT', status: 409 })
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super(message, { code: 'PAYLOAD_TOO_LARGE', status: 413 })
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string) {
    super(message, { code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 })
  }
}

export class RateLimitedError extends AppError {
  constructor(message: string) {
    super(message, { code: 'RATE_LIMITED', status: 429, canRetry: true })
  }
}

export class BrokerUnavailableError extends AppError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'BROKER_UNAVAILABLE', status: 503, canRetry: true, cause })
  }
}

/** The broker refused a record for good (too large, invalid timestamp): retrying cannot help. */
export class RecordRejectedError extends AppError {
  /**
   * Of the records published together, the indexes of those not written: the broker refuses or
   * writes each partition's batch as a whole, so the rest are on the topic and must not be re-sent.
   * Absent when it is not known: then none may be assumed written.
   */
  readonly unwritten?: number[]

  constructor(message: string, cause?: unknown, unwritten?: number[]) {
    super(message, { code: 'RECORD_REJECTED', status: 422, canRetry: false, cause })
    this.unwritten = unwritten
  }
}
