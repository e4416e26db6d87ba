import { parseCookie } from 'cookie';
import { hash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The session cookie's name. `HttpOnly`, `SameSite=Strict`, `Path=/` (design.md §12). */
export const CONSOLE_SESSION_COOKIE = 'ptb_session';
/** The header an unsafe request authenticated by the cookie must carry (a form post cannot set it). */
export const CONSOLE_REQUEST_HEADER = 'x-requested-with';
export const CONSOLE_REQUEST_HEADER_VALUE = 'ptb-console';

/**
 * The session token a request's Cookie header carries, parsed only when asked: a request with a bearer key
 * (the token path) never pays for it.
 */
export function sessionTokenOf(headers: IncomingHttpHeaders): string | undefined {
  const { cookie } = headers;
  return cookie ? parseCookie(cookie)[CONSOLE_SESSION_COOKIE] : undefined;
}

/** Recognisable in logs and secret scanners, as API keys are (`ptb_`). */
const TOKEN_PREFIX = 'ptbs_';
const TOKEN_FORMAT = /^ptbs_[A-Za-z0-9_-]{43}$/;

/** 256 random bits, handed to the browser only; the database keeps its SHA-256 (see hashSessionToken). */
export function generateSessionToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Anything else is refused before the database is asked. */
export function isSessionToken(token: string): boolean {
  return TOKEN_FORMAT.test(token);
}

/** 256 random bits need no slow KDF, as for API keys: SHA-256 keeps every lookup one index probe. */
export function hashSessionToken(token: string): Buffer {
  return hash('sha256', token, 'buffer');
}
