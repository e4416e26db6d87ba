import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify's genReqId: keeps a caller's well-formed `X-Request-Id` (so traces join up), else a UUID.
 * The id is also set on the raw request, where pino-http looks for it, so logs and problem bodies agree.
 */
export function requestIdFor(raw: IncomingMessage): string {
  const header = raw.headers['x-request-id'];
  const id = typeof header === 'string' && ACCEPTABLE.test(header) ? header : randomUUID();
  Object.assign(raw, { id });
  return id;
}
