import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditService } from '../../audit/audit.service.js';
import { ApiError } from '../../common/api-error.js';
import { knownProblem } from '../../common/known-problem.js';
import type { AppConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { StreamSlots } from '../../particle/stream-slots.js';
import type { CachedToken } from '../../token-store/token-cache.js';
import { TokenIssuerService } from '../../token-store/token-issuer.service.js';
import { ProxyMetrics } from '../proxy.metrics.js';
import { StreamTimings, Subscriber, UpstreamRefused, UpstreamStream } from './upstream-stream.js';

/** Timings for the hub; the default is design.md §11's. Tests provide shorter ones. */
export const STREAM_TIMINGS = Symbol('STREAM_TIMINGS');

const TOKEN_MIN_TTL_SECONDS = 60;

export interface StreamRequest {
  tenantId: string;
  credentialId: string | undefined;
  /** The Particle path, e.g. `/v1/devices/events/temp`; the caller's query (the SDK's nonce) is not sent. */
  path: string;
  requestId: string;
}

/** What a failed first open answers: Particle's refusal or a broker problem as is, else a clean 503. */
function openFailure(err: unknown, timeoutMs: number): unknown {
  if (err instanceof UpstreamRefused || knownProblem(err)) return err;
  const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
  const detail = timedOut
    ? `Particle did not open the event stream within PARTICLE_TIMEOUT_MS (${timeoutMs} ms)`
    : 'Particle could not be reached to open the event stream';
  return new ApiError('upstream_unavailable', detail, { retryAfterSeconds: 5 });
}

interface Entry {
  stream: UpstreamStream;
  ready: Promise<void>;
}

/**
 * The event-stream hub (design.md §11): on this replica, every subscriber of one tenant, credential and
 * path shares one upstream stream, which holds one of the slots all replicas share (StreamSlots).
 */
@Injectable()
export class EventStreamHub implements OnModuleDestroy {
  private readonly logger = new Logger(EventStreamHub.name);
  private readonly entries = new Map<string, Entry>();
  private readonly baseUrl: string;

  constructor(
    private readonly issuer: TokenIssuerService,
    private readonly slots: StreamSlots,
    private readonly audit: AuditService,
    private readonly metrics: ProxyMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(STREAM_TIMINGS) private readonly timings: StreamTimings,
  ) {
    this.baseUrl = config.particle.apiUrl.replace(/\/$/, '');
  }

  /** Closes every stream first, so the HTTP server's close does not wait on subscribers. */
  onModuleDestroy(): void {
    for (const { stream } of [...this.entries.values()]) stream.close();
  }

  /**
   * Joins the caller to its stream (opening it first if needed) and answers with the shared frames.
   * Throws what the first open met: a slot refusal (ApiError) or Particle's answer (UpstreamRefused).
   */
  async subscribe(request: FastifyRequest, reply: FastifyReply, s: StreamRequest): Promise<Subscriber> {
    const key = `${s.tenantId}\u0000${s.credentialId ?? ''}\u0000${s.path}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.open(key, s);
      this.entries.set(key, entry);
    }
    await entry.ready;
    const subscriber = new Subscriber(this.timings.maxBufferedBytes);
    const { stream } = entry;
    stream.add(subscriber);
    this.metrics.subscribers.inc();
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      this.metrics.subscribers.dec();
      stream.remove(subscriber);
      // Ends the connection too: a destroyed source piped into a response leaves the response open
      // (and the server's close waiting on it) for ever.
      subscriber.out.destroy();
      reply.raw.destroy();
    };
    // The response's close, not the request's: a request stream closes once it is read, long before
    // the caller goes away; the response closes when the connection does (or the hub ends it).
    reply.raw.once('close', leave);
    subscriber.out.once('close', leave);
    void reply
      .header('Content-Type', 'text/event-stream; charset=utf-8')
      .header('Cache-Control', 'no-cache')
      .header('X-Accel-Buffering', 'no')
      .send(subscriber.out);
    subscriber.write(':ok\n\n');
    return subscriber;
  }

  private open(key: string, s: StreamRequest): Entry {
    let slotId: string | undefined;
    let opened = false;
    const stream = new UpstreamStream(
      {
        connect: (signal) => this.connect(s, signal),
        reopen: () => this.slots.reopen(s.tenantId, slotId as string, s.path),
        closed: (closing) => this.closed(key, closing, s, slotId, opened),
        dropped: () => this.metrics.droppedSubscribers.inc(),
      },
      this.timings,
    );
    const ready = (async () => {
      slotId = await this.slots.acquire(s.tenantId, s.path);
      try {
        await stream.start();
      } catch (err) {
        stream.close();
        throw openFailure(err, this.config.particle.timeoutMs);
      }
      opened = true;
      this.metrics.streams.inc();
      this.record(s, 'open');
    })();
    ready.catch(() => {
      if (this.entries.get(key)?.stream === stream) this.entries.delete(key);
    });
    return { stream, ready };
  }

  private closed(
    key: string,
    closing: UpstreamStream,
    s: StreamRequest,
    slotId: string | undefined,
    opened: boolean,
  ): void {
    // Only this stream's entry: a subscriber arriving after the close has started a new one.
    if (this.entries.get(key)?.stream === closing) this.entries.delete(key);
    if (opened) {
      this.metrics.streams.dec();
      this.record(s, 'close');
    }
    if (!slotId) return;
    this.slots.release(slotId).catch((err: unknown) => {
      this.logger.warn({ msg: 'stream slot not released (its lease runs out)', err: String(err) });
    });
  }

  /** Opens at Particle with the tenant's token; a 401 renews it once and tries once more. */
  private async connect(s: StreamRequest, signal: AbortSignal): Promise<Response> {
    const body = { credential_id: s.credentialId };
    const { token } = await this.issuer.obtain(s.tenantId, body, TOKEN_MIN_TTL_SECONDS, s.requestId);
    const first = await this.fetchStream(s.path, token, signal);
    if (first.status !== 401) return first;
    await first.body?.cancel();
    const renewed = await this.issuer.replaceRejected(token, TOKEN_MIN_TTL_SECONDS, s.requestId);
    return this.fetchStream(s.path, renewed, signal);
  }

  private async fetchStream(path: string, token: CachedToken, signal: AbortSignal): Promise<Response> {
    // Only the wait for Particle's headers is bounded here; the body is watched for silence instead.
    const headersTimeout = AbortSignal.timeout(this.config.particle.timeoutMs);
    const opening = AbortSignal.any([signal, headersTimeout]);
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    opening.addEventListener('abort', onAbort, { once: true });
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        headers: { authorization: `Bearer ${token.accessToken}`, accept: 'text/event-stream' },
        redirect: 'manual',
        signal: AbortSignal.any([signal, stop.signal]),
      });
    } finally {
      opening.removeEventListener('abort', onAbort);
    }
  }

  private record(s: StreamRequest, phase: 'open' | 'close'): void {
    this.audit
      .record({
        actor: 'broker',
        action: 'proxy.stream',
        tenantId: s.tenantId,
        target: s.credentialId ?? null,
        requestId: s.requestId,
        outcome: 'success',
        details: { phase, path: s.path },
      })
      .catch(() => this.logger.warn({ msg: `proxy.stream ${phase} audit row not written` }));
  }
}
