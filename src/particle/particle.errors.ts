import { ApiError } from '../common/api-error.js';

/**
 * What went wrong talking to Particle (or why the broker did not even try). Callers branch on `kind`,
 * never on messages. No error here carries a request body, a token, a secret or the underlying HTTP
 * library error (whose config holds the Authorization header and the form body).
 */
export type ParticleErrorKind =
  | 'invalid_grant'
  | 'invalid_client'
  | 'mfa_required'
  | 'invalid_token'
  | 'rate_limited'
  | 'unavailable'
  | 'rejected'
  | 'budget_exhausted'
  | 'breaker_open';

interface ErrorFields {
  status?: number | undefined;
  particleError?: string | undefined;
  description: string;
}

export abstract class ParticleError extends Error {
  abstract readonly kind: ParticleErrorKind;
  /** Particle's HTTP status, when it answered at all. */
  readonly status: number | undefined;
  /** The OAuth `error` field of Particle's answer. */
  readonly particleError: string | undefined;
  /** Safe to log and show: Particle's `error_description` or our own wording, never request data. */
  readonly description: string;

  protected constructor(fields: ErrorFields) {
    super(fields.description);
    this.status = fields.status;
    this.particleError = fields.particleError;
    this.description = fields.description;
  }
}

/** Wrong username/password, or a refresh token / code that is invalid, expired or from another client. */
export class InvalidGrantError extends ParticleError {
  readonly kind = 'invalid_grant' as const;
  override readonly name = 'InvalidGrantError';
  constructor(fields: ErrorFields) {
    super(fields);
  }
}

/** The OAuth client (id/secret) is at fault, not the tenant's credential. */
export class InvalidClientError extends ParticleError {
  readonly kind = 'invalid_client' as const;
  override readonly name = 'InvalidClientError';
  constructor(fields: ErrorFields) {
    super(fields);
  }
}

/** The password was right; Particle wants the OTP step with this `mfaToken` (itself a secret). */
export class MfaRequiredError extends ParticleError {
  readonly kind = 'mfa_required' as const;
  override readonly name = 'MfaRequiredError';
  constructor(
    fields: ErrorFields,
    readonly mfaToken: string,
  ) {
    super(fields);
  }

  /** Keeps the mfa token out of anything that serialises the error (logs, problem bodies). */
  toJSON(): Record<string, unknown> {
    return {
      kind: this.kind,
      status: this.status,
      particleError: this.particleError,
      description: this.description,
    };
  }
}

/** Any 401: the bearer token (or the OTP at the MFA step) was not accepted. */
export class InvalidTokenError extends ParticleError {
  readonly kind = 'invalid_token' as const;
  override readonly name = 'InvalidTokenError';
  constructor(fields: ErrorFields) {
    super(fields);
  }
}

/** Particle answered 429; its headers are undocumented, so `retryAfterSeconds` is often unknown. */
export class RateLimitedError extends ParticleError {
  readonly kind = 'rate_limited' as const;
  override readonly name = 'RateLimitedError';
  constructor(
    fields: ErrorFields,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(fields);
  }
}

/** 5xx, timeout, reset or refused connection, or an answer that is not the JSON Particle always sends. */
export class UnavailableError extends ParticleError {
  readonly kind = 'unavailable' as const;
  override readonly name = 'UnavailableError';
  constructor(fields: ErrorFields) {
    super(fields);
  }
}

/** Any other 4xx (invalid_request, invalid_scope, sso_user, ...), with Particle's code and status. */
export class RejectedError extends ParticleError {
  readonly kind = 'rejected' as const;
  override readonly name = 'RejectedError';
  constructor(fields: ErrorFields) {
    super(fields);
  }
}

/** Which budget a refusal is about: the egress-wide one, or one tenant's share of it (design.md §6, §9.1). */
export type BudgetScope = 'global' | 'tenant';

/**
 * Refused locally: the shared token-endpoint budget of this egress IP is spent (`global`), or the
 * caller's tenant has used its share of it while other tenants are asking (`tenant`).
 */
export class BudgetExhaustedError extends ParticleError {
  readonly kind = 'budget_exhausted' as const;
  override readonly name = 'BudgetExhaustedError';
  constructor(
    readonly retryAfterSeconds: number,
    readonly scope: BudgetScope = 'global',
    tenantId?: string,
  ) {
    super({
      description:
        scope === 'tenant'
          ? `Tenant ${tenantId ?? ''} has used its share of the Particle token-endpoint budget (PARTICLE_TENANT_SHARE) while other tenants are asking; retry in ${retryAfterSeconds} s`
          : `Particle token-endpoint budget exhausted; retry in ${retryAfterSeconds} s`,
    });
  }
}

/** Refused locally: the consecutive-failure breaker protects the egress IP from Particle's lockout. */
export class BreakerOpenError extends ParticleError {
  readonly kind = 'breaker_open' as const;
  override readonly name = 'BreakerOpenError';
  constructor(
    readonly retryAfterSeconds: number,
    reason = 'too many consecutive failed token requests',
  ) {
    super({ description: `Particle token endpoint paused (${reason}); retry in ${retryAfterSeconds} s` });
  }
}

/** Every concrete error, so `switch (err.kind)` narrows to the right fields. */
export type AnyParticleError =
  | InvalidGrantError
  | InvalidClientError
  | MfaRequiredError
  | InvalidTokenError
  | RateLimitedError
  | UnavailableError
  | RejectedError
  | BudgetExhaustedError
  | BreakerOpenError;

export function isParticleError(value: unknown): value is AnyParticleError {
  return value instanceof ParticleError;
}

/** Worth trying again later without anyone changing a credential. */
export function isTransient(err: ParticleError): boolean {
  return (
    err.kind === 'unavailable' ||
    err.kind === 'rate_limited' ||
    err.kind === 'breaker_open' ||
    err.kind === 'budget_exhausted'
  );
}

const DEFAULT_RETRY_AFTER_SECONDS = 30;

/** The public problem (design.md §6) for an error that reaches a caller of the broker. */
export function toApiError(err: ParticleError): ApiError {
  const e = err as AnyParticleError;
  switch (e.kind) {
    case 'budget_exhausted':
      // design.md §6: `scope` tells callers whether the egress-wide budget or their tenant's share is spent.
      return new ApiError('token_budget_exhausted', e.description, {
        retryAfterSeconds: e.retryAfterSeconds,
        extras: { scope: e.scope },
      });
    case 'breaker_open':
    case 'rate_limited':
      return new ApiError('upstream_unavailable', e.description, {
        retryAfterSeconds: e.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS,
      });
    case 'unavailable':
      return new ApiError('upstream_unavailable', e.description, {
        retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS,
      });
    case 'invalid_grant':
    case 'invalid_token':
      return new ApiError('reauth_required', `Particle no longer accepts this credential: ${e.description}`);
    case 'invalid_client':
    case 'rejected':
    case 'mfa_required':
      return new ApiError('upstream_rejected', `Particle rejected the request: ${e.description}`);
  }
}

/** `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(header: unknown, now: Date): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Math.max(1, Number(value));
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(1, Math.ceil((at - now.getTime()) / 1000));
}

export interface HttpAnswer {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, unknown>;
  /** The raw body text; Particle always answers JSON, so anything else is a proxy or load balancer. */
  body: string;
}

/** The parsed JSON object of an answer, or undefined when the body is not a JSON object. */
export function jsonObjectOf(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    // Not JSON: an HTML error page or a truncated body; the caller decides what that means.
    return undefined;
  }
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A request that got no HTTP answer at all: timed out, reset or refused (`code`: the network error). */
export function unanswered(timedOut: boolean, timeoutMs: number, code: string | undefined): UnavailableError {
  return new UnavailableError({
    description: timedOut
      ? `Particle did not answer within ${timeoutMs} ms`
      : `Network error talking to Particle (${code ?? 'unknown'})`,
  });
}

/** Classifies a non-2xx answer (particle-cloud.md §2.5, §10, §12, §15). */
export function classifyFailedAnswer(answer: HttpAnswer, now: Date): AnyParticleError {
  const { status } = answer;
  const json = jsonObjectOf(answer.body);
  const particleError = nonEmptyString(json?.error);
  const description = nonEmptyString(json?.error_description);
  const fields = (fallback: string): ErrorFields => ({
    status,
    particleError,
    description: description ?? (particleError ? `${particleError} (HTTP ${status})` : fallback),
  });
  if (status === 429) {
    return new RateLimitedError(
      fields(`Particle rate limit (HTTP 429)`),
      parseRetryAfter(answer.headers['retry-after'], now),
    );
  }
  // §12: any 401 means the token is not valid, whatever the body says.
  if (status === 401)
    return new InvalidTokenError(fields('Particle did not accept the access token (HTTP 401)'));
  if (status >= 500) return new UnavailableError(fields(`Particle answered HTTP ${status}`));
  if (!json)
    return new UnavailableError({ status, description: `Particle answered HTTP ${status} without JSON` });
  if (particleError === 'invalid_grant') return new InvalidGrantError(fields('invalid_grant'));
  if (particleError === 'invalid_client') return new InvalidClientError(fields('invalid_client'));
  const mfaToken = nonEmptyString(json.mfa_token);
  if (particleError === 'mfa_required' && mfaToken) {
    return new MfaRequiredError(fields('Multi-factor authentication required'), mfaToken);
  }
  if (status >= 400) return new RejectedError(fields(`Particle refused the request (HTTP ${status})`));
  // 1xx/3xx: redirects are not followed, and Particle's API never sends them.
  return new UnavailableError({ status, description: `Particle answered an unexpected HTTP ${status}` });
}
