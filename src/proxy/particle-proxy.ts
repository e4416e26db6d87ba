import replyFrom, { type FastifyReplyFromHooks, type RawServerResponse } from '@fastify/reply-from';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, RawServerBase } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from '../common/api-error.js';
import { knownProblem } from '../common/known-problem.js';
import { sendProblem } from '../common/problem.filter.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { requestFields } from '../logging/app-logger.js';
import { ApiBudget } from '../particle/api-budget.js';
import type { CachedToken } from '../token-store/token-cache.js';
import { TokenIssuerService } from '../token-store/token-issuer.service.js';
import { countWhenPiped, proxyBody, type ProxyBody } from './proxy-body.js';
import { ProxyCaller } from './proxy-caller.js';
import { callerResponseHeaders, upstreamQuery, upstreamRequestHeaders } from './proxy-headers.js';
import { classifyPath } from './proxy-paths.js';
import { Exchange, particlePath } from './proxy-exchange.js';
import { ProxyRecorder } from './proxy-recorder.js';
import { ProxyMetrics } from './proxy.metrics.js';
import { EventStreamHub } from './streams/event-stream-hub.js';
import { UpstreamRefused } from './streams/upstream-stream.js';

const ROUTE = '/v1/tenants/:id/particle/*';
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** A proxied request needs a token that outlives it, not the 300 s a caller of /tokens asks by default. */
const PROXY_MIN_TTL_SECONDS = 60;
const NO_BODY: ProxyBody = { kind: 'none' };

/** The request's exchange, set by `handle` before anything is forwarded. */
const exchangeOf = (request: { proxyExchange?: Exchange } | undefined): Exchange =>
  request?.proxyExchange as Exchange;

/**
 * `ANY /v1/tenants/{id}/particle/{path}` (design.md §11): forwards the device cloud to Particle with the
 * tenant's token, streamed both ways by @fastify/reply-from. Served by Fastify directly rather than a
 * Nest controller: the body must reach Particle unread (Nest's parsers would consume it), and the
 * caller's key, limits and refusals are checked here exactly as ApiKeyGuard does for every other route.
 */
@Injectable()
export class ParticleProxy {
  private readonly logger = new Logger(ParticleProxy.name);
  private readonly basePath: string;
  private readonly hooks: Readonly<FastifyReplyFromHooks>;

  constructor(
    private readonly caller: ProxyCaller,
    private readonly issuer: TokenIssuerService,
    private readonly budget: ApiBudget,
    private readonly metrics: ProxyMetrics,
    private readonly recorder: ProxyRecorder,
    private readonly hub: EventStreamHub,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // reply-from keeps only the origin of its base; a path in PARTICLE_API_URL is added to each request.
    this.basePath = new URL(config.particle.apiUrl).pathname.replace(/\/$/, '');
    // One set of hooks for every request, each finding its exchange on the request: no closures and no
    // options object per request. Frozen: reply-from must not write to what every request shares.
    this.hooks = Object.freeze({
      queryString: (_search, rawUrl) => upstreamQuery(rawUrl),
      rewriteRequestHeaders: (request, headers) =>
        upstreamRequestHeaders(headers, (exchangeOf(request).token as CachedToken).accessToken),
      rewriteHeaders: (headers, request) => {
        const out = callerResponseHeaders(headers);
        exchangeOf(request).copied = Object.keys(out);
        return out;
      },
      // The proxy's own route: the request and reply of its (default, HTTP/1) server.
      onResponse: (request, reply, res) => this.answer(request as FastifyRequest, reply as FastifyReply, res),
      onError: (reply, { error }) =>
        this.upstreamFailed(reply.request as FastifyRequest, reply as FastifyReply, error),
      timeout: config.particle.timeoutMs,
    } satisfies FastifyReplyFromHooks);
  }

  /** Registers the route in its own Fastify scope (its own body handling); called before the app starts. */
  register(fastify: FastifyInstance): void {
    void fastify.register(async (scope) => {
      // Every body reaches the handler unread, whatever its type, and is streamed or buffered there.
      // On the request rather than in a WeakMap: a WeakMap entry per request is extra work for the
      // garbage collector (an ephemeron), and the decoration keeps every request of the scope one shape.
      scope.decorateRequest('proxyExchange', undefined);
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
      await scope.register(replyFrom, {
        base: this.config.particle.apiUrl,
        // reply-from turns certificate checks off (`tls.rejectUnauthorized: false`) unless told otherwise;
        // undici's `connect` options win over `tls`, and Particle's certificate must be checked.
        undici: {
          connections: 128,
          pipelining: 1,
          keepAliveTimeout: 60_000,
          connect: { rejectUnauthorized: true },
        },
        disableRequestLogging: true,
        // Never sent twice by the library: each call counts against Particle's per-IP limit.
        retryMethods: [],
      });
      scope.setErrorHandler((err, request, reply) => this.refuse(request, reply, err));
      scope.addHook('onResponse', (request, reply, done) => {
        this.recorder.finished(request, reply, request.proxyExchange);
        done();
      });
      scope.route({
        method: [...METHODS],
        url: ROUTE,
        // Returns nothing, so Fastify waits for the reply to be sent: an async handler's promise (or the
        // reply returned from one, a thenable) costs a promise chain and listeners on every answer.
        handler: (request, reply) => {
          this.handle(request, reply).catch((err: unknown) => this.refuse(request, reply, err));
        },
      });
    });
  }

  private async handle(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      const { id: tenantId } = request.params as { id: string };
      // A cached key and a cached token answer without a promise: a GET's hit path has no await at all.
      const admitted = this.caller.admit(request, tenantId);
      const principal = admitted instanceof Promise ? await admitted : admitted;
      const path = particlePath(request.raw.url ?? request.url);
      const exchange: Exchange = {
        principal,
        tenantId,
        path,
        body: NO_BODY,
        token: undefined,
        retried: false,
        upstreamStatus: null,
        copied: [],
        bytes: null,
        sentAt: 0,
      };
      request.proxyExchange = exchange;
      const verdict = classifyPath(request.method, path);
      if (verdict.kind === 'refused') {
        throw new ApiError('forbidden', `${request.method} ${path} is not proxied: ${verdict.reason}`);
      }
      const credentialId = this.caller.credentialId(request);
      if (verdict.kind === 'stream') {
        const { id: requestId } = request;
        const subscriber = await this.hub.subscribe(request, reply, {
          tenantId,
          credentialId,
          path,
          requestId,
        });
        exchange.bytes = subscriber;
        return;
      }
      // Most proxied requests (GETs) have no body: no promise and no tick for reading one.
      if (request.body !== undefined) {
        exchange.body = await proxyBody(request.body, request.raw, this.config.proxy.maxBodyBytes);
      }
      exchange.token =
        this.issuer.cached(tenantId, credentialId, PROXY_MIN_TTL_SECONDS) ??
        (
          await this.issuer.obtain(
            tenantId,
            { credential_id: credentialId },
            PROXY_MIN_TTL_SECONDS,
            request.id,
          )
        ).token;
      // After the token: a tenant or credential that does not exist must not spend the shared budget.
      const refusal = this.budget.take(tenantId);
      const refused = refusal instanceof Promise ? await refusal : refusal;
      if (refused) throw refused;
      this.forward(request, reply, exchange);
    } catch (err) {
      if (err instanceof UpstreamRefused) this.relay(reply, err);
      else this.refuse(request, reply, err);
    }
  }

  /** Particle refused to open an event stream (a missing scope, an unknown device): its answer, as is. */
  private relay(reply: FastifyReply, refused: UpstreamRefused): void {
    const exchange = reply.request.proxyExchange;
    if (exchange) exchange.upstreamStatus = refused.status;
    void reply.status(refused.status).header('Content-Type', refused.contentType).send(refused.body);
  }

  private async takeBudget(tenantId: string): Promise<void> {
    const refusal = await this.budget.take(tenantId);
    if (refusal) throw refusal;
  }

  private forward(request: FastifyRequest, reply: FastifyReply, exchange: Exchange): void {
    exchange.sentAt = performance.now();
    const { body } = exchange;
    // reply-from streams `request.body` when it is a stream; the buffered body goes as `options.body`.
    request.body = body.kind === 'streamed' ? body.stream : undefined;
    const options: FastifyReplyFromHooks =
      body.kind === 'buffered'
        ? {
            ...this.hooks,
            body: body.bytes,
            contentType: request.headers['content-type'] ?? 'application/octet-stream',
          }
        : this.hooks;
    void reply.from(`${this.basePath}${exchange.path}`, options);
  }

  private answer(request: FastifyRequest, reply: FastifyReply, res: RawServerResponse<RawServerBase>): void {
    const exchange = exchangeOf(request);
    this.metrics.upstreamSeconds.observe((performance.now() - exchange.sentAt) / 1000);
    exchange.upstreamStatus = res.statusCode;
    // 401: the token was revoked or expired early. Renewed once and retried once, if the body allows.
    if (res.statusCode === 401 && !exchange.retried && exchange.body.kind !== 'streamed') {
      void this.heal(request, reply, res, exchange);
      return;
    }
    // Typed as a server response by the library; it is the upstream answer's status, headers and body.
    const length = (res as unknown as { headers: IncomingHttpHeaders }).headers['content-length'];
    exchange.bytes = length !== undefined ? Number(length) : countWhenPiped(res.stream, reply.raw);
    void reply.send(res.stream);
  }

  private async heal(
    request: FastifyRequest,
    reply: FastifyReply,
    res: RawServerResponse<RawServerBase>,
    exchange: Exchange,
  ): Promise<void> {
    // Read to the end so the connection to Particle is reused; the answer is replaced.
    res.stream.resume();
    exchange.retried = true;
    this.forget(reply, exchange);
    try {
      exchange.token = await this.issuer.replaceRejected(
        exchange.token as CachedToken,
        PROXY_MIN_TTL_SECONDS,
        request.id,
      );
      await this.takeBudget(exchange.tenantId);
      this.forward(request, reply, exchange);
    } catch (err) {
      this.refuse(request, reply, err);
    }
  }

  private upstreamFailed(request: FastifyRequest, reply: FastifyReply, error: Error): void {
    // Our own refusal of a streamed body past the limit comes back as the upstream request's failure.
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof ApiError) return this.refuse(request, reply, cause);
    const timedOut = (error as { statusCode?: number }).statusCode === 504;
    this.logger.warn({ ...requestFields(request.id), upstream: timedOut ? 'timeout' : 'unreachable' });
    const detail = timedOut
      ? `Particle did not answer within PARTICLE_TIMEOUT_MS (${this.config.particle.timeoutMs} ms)`
      : 'Particle could not be reached';
    this.refuse(request, reply, new ApiError('upstream_unavailable', detail, { retryAfterSeconds: 1 }));
  }

  /** The broker answers instead of Particle: any of Particle's headers already copied go first. */
  private refuse(request: FastifyRequest, reply: FastifyReply, err: unknown): void {
    if (reply.sent) return;
    const exchange = request.proxyExchange;
    if (exchange) this.forget(reply, exchange);
    const known = knownProblem(err);
    if (!known) {
      this.logger.error({
        ...requestFields(request.id),
        err: err instanceof Error ? { name: err.name, stack: err.stack } : {},
      });
    }
    sendProblem(
      request,
      reply,
      known ?? new ApiError('internal_error', 'The request could not be completed'),
    );
  }

  private forget(reply: FastifyReply, exchange: Exchange): void {
    for (const name of exchange.copied) reply.removeHeader(name);
    exchange.copied = [];
  }
}
