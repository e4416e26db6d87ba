import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { TokenCache } from './token-cache.js';

/** Channel on which every credential write announces its tenant id. */
export const CREDENTIAL_CHANNEL = 'broker_credentials';
const RECONNECT_MS = 1_000;

/**
 * Keeps this replica's token cache honest: a dedicated connection LISTENs for credential changes made by
 * any replica and evicts that tenant's cached tokens. While the connection is down (or just came back,
 * when notifications may have been missed) the whole cache is dropped, so correctness never depends on
 * the listener being up; only speed does.
 */
@Injectable()
export class CredentialChangesListener implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CredentialChangesListener.name);
  private client: pg.Client | undefined;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cache: TokenCache,
  ) {}

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
      if (msg.channel === CREDENTIAL_CHANNEL && msg.payload) this.cache.evictTenant(msg.payload);
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
      this.cache.clear();
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'LISTEN failed; retrying');
      this.lost(client);
    }
  }

  private lost(client: pg.Client): void {
    this.cache.clear();
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
