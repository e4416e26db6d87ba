import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger as Pino } from 'pino';

/**
 * Paths that must not reach logs: query strings can carry OAuth codes and states, and a connect link's
 * path is itself a one-time credential.
 */
export function loggablePath(url: string): string {
  const path = url.split('?')[0] ?? '';
  return path.startsWith('/connect/') ? '/connect/[redacted]' : path;
}

/**
 * Successful token issues and proxied requests are the hot paths and each already has its audit row
 * (`token.issue`, `proxy.request`); logging them at info as well would cost about a third of the token
 * path's throughput (measured, bench/README.md) and about 4.5 % of the proxy's CPU (bench:proxy profile).
 */
const QUIET_ROUTES = new Set(['/v1/tenants/:id/tokens', '/v1/tenants/:id/particle/*']);

/**
 * One line per request, from the app's `onResponse` hook (app.factory.ts), which also counts the request
 * in the metrics; `route` is the matched route template, read once for both. (nestjs-pino's middleware
 * did the same through @fastify/middie and pino-http at half the throughput of the whole service, and
 * kept one logger per process, which several app instances in one process, as the tests run them, cannot
 * share.)
 */
export function logRequestCompleted(
  logger: Pino,
  request: FastifyRequest,
  reply: FastifyReply,
  route: string | undefined,
): void {
  const status = reply.statusCode;
  const quiet = status < 400 && QUIET_ROUTES.has(route ?? '');
  const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : quiet ? 'debug' : 'info';
  if (logger.isLevelEnabled(level)) {
    logger[level](
      {
        reqId: request.id,
        req: { id: request.id, method: request.method, url: loggablePath(request.url) },
        res: { statusCode: status },
        responseTime: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request completed',
    );
  }
}
