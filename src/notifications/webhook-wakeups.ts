import { Inject, Injectable, Logger } from '@nestjs/common';
import pg from 'pg';

/** The channel `webhook_enqueue` notifies when it queues deliveries (the Webhooks migration). */
export const WEBHOOK_CHANNEL = 'broker_webhooks';

/** Opens the connection that LISTENs: its own, never one of the pool's (a pooled one is shared). */
export type ListenConnectionFactory = () => pg.Client;
export const WEBHOOK_LISTEN_CONNECTION = Symbol('WEBHOOK_LISTEN_CONNECTION');

/** After a dropped or refused connection, the next try waits this long, doubling up to the maximum. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * Wakes the delivery worker when events are queued, so a replica starts on a new backlog at once instead
 * of at its next poll. The poll stays the fallback: a notification sent while this connection is down is
 * lost, so each (re)connection wakes the worker once too. Nothing here decides what is delivered.
 */
@Injectable()
export class WebhookWakeups {
  private readonly logger = new Logger(WebhookWakeups.name);
  private client: pg.Client | undefined;
  private retryMs = RETRY_FIRST_MS;
  private retry: NodeJS.Timeout | undefined;
  private stopped = true;
  private wake: () => void = () => undefined;

  constructor(@Inject(WEBHOOK_LISTEN_CONNECTION) private readonly connect: ListenConnectionFactory) {}

  /** Calls `wake` at each notification and after each (re)connection, until stop(). */
  start(wake: () => void): void {
    this.wake = wake;
    this.stopped = false;
    void this.listen();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = this.connect();
    this.client = client;
    // One handler for every way the connection ends: an error event is followed by end, or is all there is.
    let ended = false;
    const lost = (err?: Error): void => {
      if (ended) return;
      ended = true;
      if (this.client === client) this.client = undefined;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      this.logger.warn(
        { err: err?.message ?? 'connection ended', retryMs: this.retryMs },
        'webhook LISTEN connection lost; polling until it is back',
      );
      this.retry = setTimeout(() => void this.listen(), this.retryMs);
      this.retry.unref();
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (n) => {
      if (n.channel === WEBHOOK_CHANNEL) this.wake();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${WEBHOOK_CHANNEL}`);
    } catch (err) {
      lost(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.retryMs = RETRY_FIRST_MS;
    this.wake();
  }
}
