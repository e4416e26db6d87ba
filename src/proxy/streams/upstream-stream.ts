import { PassThrough } from 'node:stream';
import { SseFrames } from './sse-frames.js';

/** How a hub's streams behave in time (design.md §11); tests may shorten them. */
export interface StreamTimings {
  /** Comment lines to every subscriber this often: particle-api-js calls 15 s of silence a dead stream. */
  keepAliveMs: number;
  /** An upstream closed this long after its last subscriber left (a quick return reuses it). */
  lingerMs: number;
  /** Upstream silence after which it is taken for dead and reconnected (Particle's keep-alive: ~60 s). */
  idleMs: number;
  /** Reconnect backoff: the first wait and the cap, each wait jittered by +-50 %. */
  backoffMs: number;
  backoffCapMs: number;
  /** A subscriber whose unread bytes pass this is disconnected: it never slows the others. */
  maxBufferedBytes: number;
}

export const DEFAULT_TIMINGS: StreamTimings = {
  keepAliveMs: 10_000,
  lingerMs: 30_000,
  idleMs: 90_000,
  backoffMs: 1_000,
  backoffCapMs: 60_000,
  maxBufferedBytes: 256 * 1024,
};

/** The first open's answer when Particle refused it: relayed to the subscribers who were waiting. */
export class UpstreamRefused extends Error {
  constructor(
    readonly status: number,
    readonly contentType: string,
    readonly body: string,
  ) {
    super(`Particle answered ${status} to an event-stream open`);
    this.name = 'UpstreamRefused';
  }
}

/** One caller's stream: what the hub writes to it and when it is too slow to keep. */
export class Subscriber {
  readonly out = new PassThrough();
  bytes = 0;

  constructor(private readonly maxBufferedBytes: number) {}

  /** False when the subscriber is gone or was just dropped for being too slow. */
  write(chunk: string): 'written' | 'gone' | 'dropped' {
    if (this.out.destroyed) return 'gone';
    if (this.out.writableLength + this.out.readableLength > this.maxBufferedBytes) {
      this.out.destroy();
      return 'dropped';
    }
    this.out.write(chunk);
    this.bytes += chunk.length;
    return 'written';
  }
}

/** What an upstream stream needs from its hub: opening at Particle, the open budget, and its end. */
export interface UpstreamDeps {
  /** The stream at Particle (token injected, a 401 healed once): whatever Particle answered. */
  connect(signal: AbortSignal): Promise<Response>;
  /** Spends an open for a reconnect (the first open was spent with the slot); throws when refused. */
  reopen(): Promise<void>;
  closed(stream: UpstreamStream): void;
  dropped(): void;
}

/**
 * One upstream event stream shared by every subscriber of the same tenant, credential and path on this
 * replica. Frames are fanned out whole; a lost upstream is reconnected with backoff while subscribers
 * keep receiving keep-alives, so they see a gap, not a disconnect.
 */
export class UpstreamStream {
  readonly subscribers = new Set<Subscriber>();
  private abort: AbortController | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private linger: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private idle: NodeJS.Timeout | undefined;
  private failures = 0;
  private ended = false;

  constructor(
    private readonly deps: UpstreamDeps,
    private readonly timings: StreamTimings,
  ) {}

  /** The first open: resolves once Particle answered 200, else rejects (UpstreamRefused, or its error). */
  async start(): Promise<void> {
    const res = await this.open();
    if (res.status !== 200) throw await refusalOf(res);
    this.keepAlive = setInterval(() => this.broadcast(':\n\n'), this.timings.keepAliveMs);
    void this.pump(res);
  }

  add(subscriber: Subscriber): void {
    clearTimeout(this.linger);
    this.subscribers.add(subscriber);
  }

  remove(subscriber: Subscriber): void {
    if (!this.subscribers.delete(subscriber) || this.subscribers.size > 0 || this.ended) return;
    this.linger = setTimeout(() => this.close(), this.timings.lingerMs);
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    for (const timer of [this.keepAlive, this.linger, this.retry, this.idle]) clearTimeout(timer);
    this.abort?.abort();
    for (const subscriber of this.subscribers) subscriber.out.end();
    this.subscribers.clear();
    this.deps.closed(this);
  }

  private async open(): Promise<Response> {
    this.abort = new AbortController();
    return this.deps.connect(this.abort.signal);
  }

  private broadcast(chunk: string): void {
    for (const subscriber of this.subscribers) {
      const outcome = subscriber.write(chunk);
      if (outcome === 'written') continue;
      this.subscribers.delete(subscriber);
      if (outcome === 'dropped') this.deps.dropped();
    }
  }

  private async pump(res: Response): Promise<void> {
    const frames = new SseFrames();
    const decoder = new TextDecoder();
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const abort = this.abort;
    try {
      for (;;) {
        clearTimeout(this.idle);
        this.idle = setTimeout(() => abort?.abort(), this.timings.idleMs);
        const { done, value } = await reader.read();
        if (done) break;
        this.failures = 0;
        for (const frame of frames.push(decoder.decode(value, { stream: true }))) this.broadcast(frame);
      }
    } catch {
      // A reset, an abort for silence or at close: all end the same way below.
    } finally {
      clearTimeout(this.idle);
      if (!this.ended) this.reconnectLater();
    }
  }

  private reconnectLater(): void {
    const { backoffMs, backoffCapMs } = this.timings;
    const wait = Math.min(backoffCapMs, backoffMs * 2 ** this.failures) * (0.5 + Math.random());
    this.failures += 1;
    this.retry = setTimeout(() => void this.reconnect(), wait);
  }

  private async reconnect(): Promise<void> {
    if (this.ended) return;
    try {
      await this.deps.reopen();
      const res = await this.open();
      if (this.ended) return void res.body?.cancel();
      if (res.status !== 200) {
        await res.body?.cancel();
        return this.reconnectLater();
      }
      void this.pump(res);
    } catch {
      // No open left in the budget, or Particle unreachable: wait longer and try again.
      if (!this.ended) this.reconnectLater();
    }
  }
}

async function refusalOf(res: Response): Promise<UpstreamRefused> {
  const body = await res.text().catch(() => '');
  return new UpstreamRefused(res.status, res.headers.get('content-type') ?? 'application/json', body);
}
