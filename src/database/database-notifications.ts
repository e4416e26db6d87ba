import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import pg from 'pg';
import { DataSource } from 'typeorm';

/** How the LISTEN connection shows in pg_stat_activity. */
export const LISTEN_APPLICATION_NAME = 'particle-token-broker-listen';

/**
 * After a dropped or refused connection, the next try waits this long, doubling up to the maximum. The
 * maximum is short: while the connection is down the token cache is dropped every second (credential
 * changes may be missed), so each second without it costs every cached tenant a database read.
 */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 5_000;

/** LISTEN takes an identifier, not a parameter: only plain lower-case names are accepted. */
const CHANNEL_NAME = /^[a-z_][a-z0-9_]*$/;

/** What a subscriber of one channel hears. */
export interface NotificationSubscriber {
  /** A NOTIFY on the channel, with its payload ('' when it had none). */
  notified(payload: string): void;
  /** The channel is LISTENed on a fresh connection: anything sent before this may have been missed. */
  listening(): void;
  /** The connection is gone, or an attempt to make it failed: notifications are missed until `listening`. */
  connectionLost(): void;
}

/**
 * The replica's one LISTEN connection, its own and never one of the pool's (a pooled one is shared).
 * Every channel a subscriber registers is LISTENed on it, on each connection made, so a lost connection is
 * made again with backoff and listens again to all of them. Subscribers hear of each loss and each return,
 * because a notification sent meanwhile is gone: what each does about that gap is its own business. A
 * close at shutdown is not a loss: nobody is told, and nothing reconnects.
 */
@Injectable()
export class DatabaseNotifications implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseNotifications.name);
  private readonly channels = new Map<string, Set<NotificationSubscriber>>();
  /** The connection being made or in use; undefined while waiting to retry. */
  private client: pg.Client | undefined;
  /** True once every channel is LISTENed on `client`. */
  private live = false;
  private started = false;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private retryMs = RETRY_FIRST_MS;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Listens to `channel` for `subscriber` from the next connection on, or at once when one is up (then the
   * subscriber hears `listening` when its LISTEN is done). Returns the unsubscribe function.
   */
  subscribe(channel: string, subscriber: NotificationSubscriber): () => void {
    if (!CHANNEL_NAME.test(channel)) throw new Error(`not a channel name: ${channel}`);
    let subscribers = this.channels.get(channel);
    if (!subscribers) this.channels.set(channel, (subscribers = new Set()));
    subscribers.add(subscriber);
    const client = this.client;
    if (client && this.live) {
      client.query(`LISTEN ${channel}`).then(
        () => {
          if (this.client === client && subscribers.has(subscriber)) this.tell(() => subscriber.listening());
        },
        (err: unknown) => this.lost(client, err),
      );
    } else if (this.started && !client && !this.retry) {
      void this.connect();
    }
    return () => this.unsubscribe(channel, subscriber);
  }

  async onModuleInit(): Promise<void> {
    this.started = true;
    if (this.channels.size > 0) await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    this.live = false;
    await client?.end().catch(() => undefined);
  }

  private unsubscribe(channel: string, subscriber: NotificationSubscriber): void {
    const subscribers = this.channels.get(channel);
    if (!subscribers?.delete(subscriber) || subscribers.size > 0) return;
    this.channels.delete(channel);
    const client = this.client;
    if (client && this.live) {
      client.query(`UNLISTEN ${channel}`).catch((err: unknown) => this.lost(client, err));
    }
  }

  private async connect(): Promise<void> {
    this.retry = undefined;
    if (this.stopped) return; // a subscribe after shutdown: nothing would ever close the connection
    const client = new pg.Client({
      connectionString: this.dataSource.options.type === 'postgres' ? this.dataSource.options.url : undefined,
      application_name: LISTEN_APPLICATION_NAME,
      connectionTimeoutMillis: 5_000,
      // A dead peer on an idle connection shows as an error, and the connection is made again.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    this.client = client;
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    client.on('notification', (n) => {
      if (this.client !== client) return;
      for (const s of [...(this.channels.get(n.channel) ?? [])]) this.tell(() => s.notified(n.payload ?? ''));
    });
    try {
      await client.connect();
      // Channels registered while these LISTENs run are taken in the same pass.
      const listened = new Set<string>();
      for (let next = this.unlistened(listened); next; next = this.unlistened(listened)) {
        await client.query(`LISTEN ${next}`);
        listened.add(next);
      }
    } catch (err) {
      this.lost(client, err);
      return;
    }
    if (this.client !== client) {
      // Shut down while this attempt was connecting: nobody else would ever close it.
      await client.end().catch(() => undefined);
      return;
    }
    this.live = true;
    this.retryMs = RETRY_FIRST_MS;
    for (const s of this.allSubscribers()) this.tell(() => s.listening());
  }

  private unlistened(listened: Set<string>): string | undefined {
    for (const channel of this.channels.keys()) if (!listened.has(channel)) return channel;
    return undefined;
  }

  /** One handler for every way a connection ends: an error event is followed by end, or is all there is. */
  private lost(client: pg.Client, err?: unknown): void {
    if (this.client !== client) return;
    const wasLive = this.live;
    this.client = undefined;
    this.live = false;
    void client.end().catch(() => undefined);
    if (this.stopped) return;
    this.logger.warn(
      {
        err: err instanceof Error ? err.message : (err ?? 'connection ended'),
        retryMs: this.retryMs,
        channels: [...this.channels.keys()],
      },
      wasLive ? 'LISTEN connection lost; retrying' : 'LISTEN failed; retrying',
    );
    this.retry = setTimeout(() => void this.connect(), this.retryMs);
    this.retry.unref();
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    for (const s of this.allSubscribers()) this.tell(() => s.connectionLost());
  }

  /** One subscriber's failure is its own: it must not keep the others from hearing, nor break the connection. */
  private tell(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.logger.error(
        { err: err instanceof Error ? err.message : String(err) },
        'notification subscriber failed',
      );
    }
  }

  private allSubscribers(): NotificationSubscriber[] {
    return [...this.channels.values()].flatMap((subscribers) => [...subscribers]);
  }
}
