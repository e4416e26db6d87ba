import { ApiError } from '../common/api-error.js';

/**
 * SQLSTATEs that say the server is gone or not taking work (class 08 connection exceptions; shutting
 * down, crashed, starting up; out of connection slots), as opposed to a statement that was wrong.
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1235]|53300)$/;
/** Socket errors on the way to the server. */
const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/** node-postgres and pg-pool raise these as plain Errors, without a code. */
const UNAVAILABLE_MESSAGE =
  /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect)/;

/**
 * Whether `err` means "the database cannot be reached right now": worth a 503 with Retry-After, never a
 * 500. Looks through TypeORM's `driverError`, `cause` and AggregateError members, where pg puts the real one.
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof e.code === 'string' && (UNAVAILABLE_SQLSTATE.test(e.code) || UNAVAILABLE_ERRNO.has(e.code))) {
    return true;
  }
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return true;
  const inner = [e.driverError, e.cause, ...(Array.isArray(e.errors) ? (e.errors as unknown[]) : [])];
  return inner.some((i) => i !== err && isDatabaseUnavailable(i, depth + 1));
}

/** Seconds a caller should wait before retrying: a restart or failover usually takes a few. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/**
 * The answer while the database is unreachable. `upstream_unavailable` is the contract's retryable 503
 * (callers already back off on it); the title says which dependency is missing.
 */
export function databaseUnavailable(): ApiError {
  return new ApiError('upstream_unavailable', 'The database is unavailable; retry shortly', {
    retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
    title: 'Database unavailable',
  });
}
