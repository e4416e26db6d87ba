/**
 * The proxy bench's baseline: plain Fastify + @fastify/reply-from with the broker's undici options
 * (128 connections, pipelining 1, 60 s keep-alive), forwarding `/v1/tenants/:id/particle/{path}` to
 * PARTICLE_API_URL/{path} with a fixed Authorization header (BARE_TOKEN). No auth, audit, budget,
 * allow-list, logging or database. Run as its own process by `bench/proxy.ts`.
 *
 * With DATABASE_URL (the broker's database), the proxy's ceiling instead (`BENCH_CEILING=1`): the same
 * forwarder plus the one thing the broker must add to every answer, its `proxy.request` audit row, written
 * after the answer by the broker's own AuditService, as ProxyRecorder does.
 */
import replyFrom from '@fastify/reply-from';
import Fastify from 'fastify';
import { BENCH_CREDENTIAL_ID, benchAuditService, CEILING_ACTOR } from './bench-audit.js';

const PREFIX = '/particle';
const upstream = process.env.PARTICLE_API_URL ?? 'http://127.0.0.1:1';
const authorization = `Bearer ${process.env.BARE_TOKEN ?? ''}`;

const app = Fastify({ logger: false });
await app.register(replyFrom, {
  base: upstream,
  undici: {
    connections: 128,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    connect: { rejectUnauthorized: true },
  },
  disableRequestLogging: true,
  retryMethods: [],
});
if (process.env.DATABASE_URL) {
  const audit = await benchAuditService(process.env.DATABASE_URL);
  app.addHook('onResponse', (request, reply, done) => {
    // The broker's row for a proxied answer (ProxyRecorder.finished), field for field.
    const requestId = request.id;
    audit
      .recordAfterAnswer({
        actor: CEILING_ACTOR,
        action: 'proxy.request',
        tenantId: 'bench',
        target: BENCH_CREDENTIAL_ID,
        requestId,
        outcome: 'success',
        details: {
          method: request.method,
          path: '/v1/products/1/devices/ceiling',
          status: reply.statusCode,
          upstream_status: reply.statusCode,
          duration_ms: Math.round(reply.elapsedTime),
          bytes: 600,
          retried: false,
        },
      })
      .catch(() => process.stderr.write(`audit row of ${requestId} not written\n`));
    done();
  });
}
app.get('/', () => 'ok');
app.get('/v1/tenants/:id/particle/*', (request, reply) => {
  const url = request.raw.url ?? request.url;
  return reply.from(url.slice(url.indexOf(PREFIX) + PREFIX.length), {
    rewriteRequestHeaders: (_request, headers) => ({ ...headers, authorization }),
  });
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
// An exit on SIGTERM, as the broker's, so that a CPU profile (--cpu-prof) is written.
process.once('SIGTERM', () => process.exit(0));
process.stdout.write('ready\n');
