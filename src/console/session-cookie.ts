import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply } from 'fastify';
import { CONSOLE_SESSION_COOKIE } from '../auth/console-session-token.js';

/**
 * The session cookie's attributes (design.md §12). No Max-Age: the browser forgets it when it closes, and
 * the server ends it anyway at the idle or absolute lifetime.
 */
function attributes(secure: boolean): CookieSerializeOptions {
  return { httpOnly: true, sameSite: 'strict', path: '/', secure };
}

export function setSessionCookie(reply: FastifyReply, token: string, secure: boolean): void {
  void reply.setCookie(CONSOLE_SESSION_COOKIE, token, attributes(secure));
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  void reply.clearCookie(CONSOLE_SESSION_COOKIE, attributes(secure));
}
