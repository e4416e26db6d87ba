import { stringifySetCookie, type SetCookie } from 'cookie';
import type { FastifyReply } from 'fastify';
import { CONSOLE_SESSION_COOKIE } from '../auth/console-session-token.js';

/**
 * The session cookie's attributes (design.md §12). No Max-Age: the browser forgets it when it closes, and
 * the server ends it anyway at the idle or absolute lifetime.
 */
function attributes(secure: boolean): Omit<SetCookie, 'name' | 'value'> {
  return { httpOnly: true, sameSite: 'strict', path: '/', secure };
}

/**
 * Written as one header here rather than through @fastify/cookie: that plugin adds an onRequest parse and
 * an onSend hook to every request of the service (the token path's included) for the two routes that set
 * a cookie (bench/README.md, issue 17).
 */
export function setSessionCookie(reply: FastifyReply, token: string, secure: boolean): void {
  void reply.header(
    'set-cookie',
    stringifySetCookie({ name: CONSOLE_SESSION_COOKIE, value: token, ...attributes(secure) }),
  );
}

/** An empty value that expired at the epoch: the browser drops the cookie. */
export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  void reply.header(
    'set-cookie',
    stringifySetCookie({
      name: CONSOLE_SESSION_COOKIE,
      value: '',
      expires: new Date(0),
      ...attributes(secure),
    }),
  );
}
