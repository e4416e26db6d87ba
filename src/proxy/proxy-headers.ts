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

/** What Particle receives: the caller's headers without the ones above, with the tenant's token. */
export function upstreamRequestHeaders(
  headers: IncomingHttpHeaders,
  accessToken: string,
): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers };
  for (const name of HOP_BY_HOP) delete out[name];
  for (const name of CALLER_ONLY) delete out[name];
  out.authorization = `Bearer ${accessToken}`;
  return out;
}

/**
 * What the caller receives of Particle's headers: all but hop-by-hop ones, cookies, and the request id
 * (the broker's own `X-Request-Id` stays, so the caller can quote it).
 */
export function callerResponseHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers };
  for (const name of HOP_BY_HOP) delete out[name];
  delete out['set-cookie'];
  delete out['x-request-id'];
  return out;
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
