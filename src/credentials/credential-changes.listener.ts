import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import pg from 'pg';
import { DataSource } from 'typeorm';

/** Channel on which every credential write announces its tenant id. */
export const CREDENTIAL_CHANNEL = 'broker_credentials';
const RECONNECT_MS = 1_000;

/** What a subscriber hears: one tenant's credentials changed, or changes may have been missed. */
export interface CredentialChangeSubscriber {
  tenantChanged(tenantId: string): void;
  /** The connection was lost or has just come back: forget everything that a change could make stale. */
  mayHaveMissed(): void;
}

/**
 * A dedicated connection LISTENs for credential changes made by any replica (every write of the table
 * notifies its tenant at commit) and tells this replica's subscribers: the token cache evicts, callers
 * waiting for another's renewal wake up. While the connection is down (or just came back, when
 * notifications may have been missed) subscribers hear `mayHaveMissed`, so correctness never depends on
 * the listener being up; only speed does.
 */
@Injectable()
export class CredentialChangesListener implements OnModuleInit, OnApplicationShutdown {
  private readonly subscribers = new Set<CredentialChangeSubscriber>();
  private readonly logger = new Logger(CredentialChangesListener.name);
  private client: pg.Client | undefined;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Returns the unsubscribe function. */
  subscribe(subscriber: CredentialChangeSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const url = (this.dataSource.options as { url?: string }).url;
    const client = new pg.Client({
      connectionString: url,
      application_name: 'particle-token-broker-listen',
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
    });
    client.on('notification', (msg) => {
      const tenantId = msg.payload;
      if (msg.channel !== CREDENTIAL_CHANNEL || !tenantId) return;
      for (const s of this.subscribers) s.tenantChanged(tenantId);
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CREDENTIAL_CHANNEL}`);
      if (this.stopped) {
        // Shut down while this attempt was connecting: nobody would ever close it.
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      this.missed();
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'LISTEN failed; retrying');
      this.lost(client);
    }
  }

  private missed(): void {
    for (const s of this.subscribers) s.mayHaveMissed();
  }

  private lost(client: pg.Client): void {
    this.missed();
    if (this.client === client) this.client = undefined;
    void client.end().catch(() => undefined);
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopped) void this.connect();
    }, RECONNECT_MS);
    this.reconnectTimer.unref();
  }
}
