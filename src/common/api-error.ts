/** The `code` values of the public contract (design.md §6), with the status each one answers. */
export const ERROR_STATUS = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  validation_failed: 400,
  conflict: 409,
  reauth_required: 409,
  credential_unavailable: 409,
  rate_limited: 429,
  upstream_unavailable: 503,
  token_budget_exhausted: 503,
  api_budget_exhausted: 503,
  stream_limit_reached: 503,
  upstream_rejected: 502,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

const TITLES: Record<ErrorCode, string> = {
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  validation_failed: 'Validation failed',
  conflict: 'Conflict',
  reauth_required: 'Re-authentication required',
  credential_unavailable: 'Credential unavailable',
  rate_limited: 'Too many requests',
  upstream_unavailable: 'Particle unavailable',
  token_budget_exhausted: 'Token budget exhausted',
  api_budget_exhausted: 'Particle API budget exhausted',
  stream_limit_reached: 'No event-stream slot',
  upstream_rejected: 'Particle rejected the request',
  internal_error: 'Internal error',
};

export interface ApiErrorOptions {
  /** Overrides the code's usual status (e.g. 422 for a secret Particle refused, 413 for a large body). */
  status?: number;
  retryAfterSeconds?: number;
  /** Overrides the code's usual title where one code covers several causes (e.g. the database, not Particle). */
  title?: string;
  /** Extra members of the problem body; never put a secret here. */
  extras?: Record<string, unknown>;
}

/** A typed error that the problem+json filter turns into a response; the only error services throw at callers. */
export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly retryAfterSeconds: number | undefined;
  readonly extras: Record<string, unknown>;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    options: ApiErrorOptions = {},
  ) {
    super(detail);
    this.name = 'ApiError';
    this.status = options.status ?? ERROR_STATUS[code];
    this.title = options.title ?? TITLES[code];
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.extras = options.extras ?? {};
  }

  static notFound(what: string): ApiError {
    return new ApiError('not_found', `${what} was not found`);
  }

  static conflict(detail: string): ApiError {
    return new ApiError('conflict', detail);
  }

  static validation(detail: string, errors: { field: string; messages: string[] }[] = []): ApiError {
    return new ApiError('validation_failed', detail, errors.length ? { extras: { errors } } : {});
  }
}
