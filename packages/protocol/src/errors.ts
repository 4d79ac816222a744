/**
 * The one table of coded errors: every `ACT_ERR_*` code with its HTTP status.
 * Server, core and SDK all use it, so a code means the same thing everywhere.
 * This module has no dependencies, so browser bundles can import it alone.
 */
export const ERROR_STATUS = {
  ACT_ERR_VALIDATION: 400,
  ACT_ERR_UNAUTHENTICATED: 401,
  ACT_ERR_FORBIDDEN: 403,
  ACT_ERR_NOT_FOUND: 404,
  ACT_ERR_ENDED: 409,
  ACT_ERR_NOT_CANCELLABLE: 409,
  ACT_ERR_NOT_COMPLETED: 409,
  ACT_ERR_BODY_TOO_LARGE: 413,
  ACT_ERR_RATE_LIMITED: 429,
  ACT_ERR_INTERNAL: 500,
  ACT_ERR_UNAVAILABLE: 503,
} as const;

/** A coded error name, e.g. `ACT_ERR_NOT_FOUND`. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** What a coded error means, for docs and for people reading a reply. */
export const ERROR_DESCRIPTIONS: Record<ErrorCode, string> = {
  ACT_ERR_VALIDATION: 'The request is malformed: bad JSON, a wrong type, a value out of range or an unknown field.',
  ACT_ERR_UNAUTHENTICATED: 'No credentials, or credentials that are wrong or revoked.',
  ACT_ERR_FORBIDDEN: 'The credentials are valid but lack the scope or ownership this call needs.',
  ACT_ERR_NOT_FOUND: 'No such activity (or it is not visible to you), or no such route.',
  ACT_ERR_ENDED: 'The activity has already ended; `details.state` says how.',
  ACT_ERR_NOT_CANCELLABLE: 'The activity cannot be cancelled.',
  ACT_ERR_NOT_COMPLETED: 'The activity has no result: it is still running (`details.state: "running"`) or ended otherwise.',
  ACT_ERR_BODY_TOO_LARGE: 'The request body is larger than the server accepts.',
  ACT_ERR_RATE_LIMITED: 'Too many failed authentications from this address; retry after `Retry-After` seconds.',
  ACT_ERR_INTERNAL: 'An unexpected server error; it is logged.',
  ACT_ERR_UNAVAILABLE: 'The store is unreachable; retry after `Retry-After` seconds.',
};

/** The wire shape of every error reply: `{ error: { code, message, details? } }`. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/**
 * Base class of every coded error. `status` follows from `code` through {@link ERROR_STATUS}.
 * @example
 * throw new NotFoundError(`activity ${id} not found`)
 */
export class ActivitydError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
  /** The HTTP status that goes with the code. */
  get status(): number {
    return ERROR_STATUS[this.code];
  }
  /** The wire body of this error. */
  toJSON(): ErrorBody {
    const error: ErrorBody['error'] = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

/** Bad input. */
export class ValidationError extends ActivitydError {
  constructor(message: string, details?: Record<string, unknown>) { super('ACT_ERR_VALIDATION', message, details); }
}
/** Missing or wrong credentials. */
export class UnauthenticatedError extends ActivitydError {
  constructor(message = 'authentication required', details?: Record<string, unknown>) { super('ACT_ERR_UNAUTHENTICATED', message, details); }
}
/** Valid credentials, not allowed. */
export class ForbiddenError extends ActivitydError {
  constructor(message: string, details?: Record<string, unknown>) { super('ACT_ERR_FORBIDDEN', message, details); }
}
/** Unknown or invisible activity, or unknown route. */
export class NotFoundError extends ActivitydError {
  constructor(message: string, details?: Record<string, unknown>) { super('ACT_ERR_NOT_FOUND', message, details); }
}
/** The activity has ended; nothing about it changes any more. */
export class EndedError extends ActivitydError {
  constructor(message: string, details?: Record<string, unknown>) { super('ACT_ERR_ENDED', message, details); }
}
/** The activity may not be cancelled. */
export class NotCancellableError extends ActivitydError {
  constructor(message: string, details?: Record<string, unknown>) { super('ACT_ERR_NOT_CANCELLABLE', message, details); }
}
/** The activity has no result (yet, or ever). */
export class NotCompletedError extends ActivitydError {
  constructor(message: string, details?: Record<string, unknown>) { super('ACT_ERR_NOT_COMPLETED', message, details); }
}
/** The request body is too large. */
export class BodyTooLargeError extends ActivitydError {
  constructor(message: string, details?: Record<string, unknown>) { super('ACT_ERR_BODY_TOO_LARGE', message, details); }
}
/** Too many failed authentications. */
export class RateLimitedError extends ActivitydError {
  constructor(message: string, details?: Record<string, unknown>) { super('ACT_ERR_RATE_LIMITED', message, details); }
}
/** The store cannot be reached. */
export class UnavailableError extends ActivitydError {
  constructor(message: string, details?: Record<string, unknown>) { super('ACT_ERR_UNAVAILABLE', message, details); }
}

const CLASSES: Partial<Record<ErrorCode, new (message: string, details?: Record<string, unknown>) => ActivitydError>> = {
  ACT_ERR_VALIDATION: ValidationError,
  ACT_ERR_UNAUTHENTICATED: UnauthenticatedError,
  ACT_ERR_FORBIDDEN: ForbiddenError,
  ACT_ERR_NOT_FOUND: NotFoundError,
  ACT_ERR_ENDED: EndedError,
  ACT_ERR_NOT_CANCELLABLE: NotCancellableError,
  ACT_ERR_NOT_COMPLETED: NotCompletedError,
  ACT_ERR_BODY_TOO_LARGE: BodyTooLargeError,
  ACT_ERR_RATE_LIMITED: RateLimitedError,
  ACT_ERR_UNAVAILABLE: UnavailableError,
};

/** Is `code` one of ours? */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_STATUS, code);
}

/**
 * Rebuilds the typed error from a wire body, as the SDK does.
 * @example
 * throw errorFromBody(await res.json())
 */
export function errorFromBody(body: ErrorBody): ActivitydError {
  const { code, message, details } = body.error;
  const Class = CLASSES[code];
  return Class ? new Class(message, details) : new ActivitydError(isErrorCode(code) ? code : 'ACT_ERR_INTERNAL', message, details);
}
