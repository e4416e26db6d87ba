import type { IncomingHttpHeaders } from 'node:http';

/** Hop-by-hop headers (RFC 9110 §7.6.1) and ones a proxy must not pass on in either direction. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/**
 * The caller's own credentials (its broker key, cookies) and routing details of the internal network
 * never reach Particle; `X-Broker-Credential-Id` is for the broker.
 */
const CALLER_ONLY = [
  'authorization',
  'cookie',
  'x-broker-credential-id',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
  'x-request-id',
];

/** Never sent to Particle. */
const NOT_TO_PARTICLE = new Set([...HOP_BY_HOP, ...CALLER_ONLY]);
/** Never passed on to the caller. */
const NOT_TO_CALLER = new Set([...HOP_BY_HOP, 'set-cookie', 'x-request-id']);

/**
 * The headers without `dropped`, into a new object. Copying only what is kept, rather than spreading and
 * deleting: each `delete` turns the copy into a slow dictionary object that every later reader pays for.
 */
function without(headers: IncomingHttpHeaders, dropped: ReadonlySet<string>): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const name of Object.keys(headers)) if (!dropped.has(name)) out[name] = headers[name];
  return out;
}

/** What Particle receives: the caller's headers without the ones above, with the tenant's token. */
export function upstreamRequestHeaders(
  headers: IncomingHttpHeaders,
  accessToken: string,
): IncomingHttpHeaders {
  const out = without(headers, NOT_TO_PARTICLE);
  out.authorization = `Bearer ${accessToken}`;
  return out;
}

/**
 * What the caller receives of Particle's headers: all but hop-by-hop ones, cookies, and the request id
 * (the broker's own `X-Request-Id` stays, so the caller can quote it).
 */
export function callerResponseHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return without(headers, NOT_TO_CALLER);
}

/** The query string without `access_token` (a caller's own Particle token must not ride along). */
export function upstreamQuery(rawUrl: string): string {
  const at = rawUrl.indexOf('?');
  if (at < 0) return '';
  const query = rawUrl.slice(at + 1);
  if (!query.includes('access_token')) return query;
  return query
    .split('&')
    .filter((pair) => pair.split('=')[0] !== 'access_token')
    .join('&');
}
