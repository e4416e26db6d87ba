import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify's genReqId: keeps a caller's well-formed `X-Request-Id` (so traces join up), else a UUID.
 */
export function requestIdFor(raw: IncomingMessage): string {
  const header = raw.headers['x-request-id'];
  return typeof header === 'string' && ACCEPTABLE.test(header) ? header : randomUUID();
}
