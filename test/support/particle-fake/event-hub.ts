import type { ServerResponse } from 'node:http';

import type { EventSubscription, PublishedEvent, Reply } from './types.js';
import { rateLimited, WindowBudget } from './window-budget.js';

/** §16: every stream starts with this comment, before any event. */
export const STREAM_OPENING = ':ok\n\n';
/** An SSE comment; Particle's exact keep-alive text is UNCONFIRMED, and clients must ignore comments. */
export const KEEP_ALIVE = ':\n\n';

export interface StreamSettings {
  keepAliveMs: number;
  maxOpen: number;
  openBudget: number;
  openWindowMs: number;
}

interface OpenStream {
  res: ServerResponse;
  path: string;
  subscription: EventSubscription;
  keepAlive: NodeJS.Timeout | undefined;
}

/** The open event streams of one fake: admission against §16's limits, fan-out, and cuts for tests. */
export class EventHub {
  private readonly open = new Set<OpenStream>();
  private readonly opensByPath = new Map<string, number>();
  private readonly opens: WindowBudget;
  /** Admitted but not yet attached, so two opens in flight cannot both take the last slot. */
  private reserved = 0;

  constructor(
    private readonly settings: StreamSettings,
    now: () => number,
  ) {
    this.opens = new WindowBudget(settings.openBudget, settings.openWindowMs, now);
  }

  /** The 429 to answer instead of a stream; otherwise the open is counted and a slot held for attach(). */
  admit(): Reply | undefined {
    if (this.open.size + this.reserved >= this.settings.maxOpen) return rateLimited();
    if (!this.opens.admit()) return rateLimited();
    this.reserved += 1;
    return undefined;
  }

  attach(res: ServerResponse, subscription: EventSubscription): void {
    this.reserved = Math.max(0, this.reserved - 1);
    // The client may have gone while a slow fault held the answer.
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.write(STREAM_OPENING);
    const { keepAliveMs } = this.settings;
    const stream: OpenStream = {
      res,
      path: subscription.path,
      subscription,
      keepAlive:
        keepAliveMs > 0 && keepAliveMs < Infinity
          ? setInterval(() => write(res, KEEP_ALIVE), keepAliveMs).unref()
          : undefined,
    };
    this.open.add(stream);
    this.opensByPath.set(stream.path, (this.opensByPath.get(stream.path) ?? 0) + 1);
    res.once('close', () => this.forget(stream));
  }

  /** Writes the event to every open stream that accepts it; returns how many did. */
  publish(event: PublishedEvent): number {
    const frame = `event: ${event.name}\ndata: ${JSON.stringify({
      data: event.data,
      ttl: event.ttl,
      published_at: new Date(event.publishedAt).toISOString(),
      coreid: event.coreid,
    })}\n\n`;
    let delivered = 0;
    for (const stream of this.open) {
      if (!stream.subscription.accepts(event)) continue;
      write(stream.res, frame);
      delivered += 1;
    }
    return delivered;
  }

  /**
   * Cuts every open stream. A clean end is what a client sees when Particle closes a stream; `abrupt`
   * destroys the sockets instead, which a client only notices by the silence that follows.
   */
  drop(abrupt = false): number {
    const cut = [...this.open];
    for (const stream of cut) {
      this.forget(stream);
      if (abrupt) stream.res.destroy();
      else stream.res.end();
    }
    return cut.length;
  }

  openCount(path?: string): number {
    return [...this.open].filter((stream) => path === undefined || stream.path === path).length;
  }

  /** Streams opened since the start or the last reset, refused ones not included. */
  openedCount(path?: string): number {
    if (path !== undefined) return this.opensByPath.get(path) ?? 0;
    return [...this.opensByPath.values()].reduce((sum, count) => sum + count, 0);
  }

  /** Open streams stay open; only the counters and the opens window start afresh. */
  resetCounters(): void {
    this.opensByPath.clear();
    this.opens.reset();
  }

  private forget(stream: OpenStream): void {
    clearInterval(stream.keepAlive);
    this.open.delete(stream);
  }
}

function write(res: ServerResponse, text: string): void {
  if (!res.destroyed && !res.writableEnded) res.write(text);
}
