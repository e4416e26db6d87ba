import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { queryOnce } from './database.js';

/**
 * A PostgreSQL of its own (the embedded one the service uses, files in a temp directory) for tests that
 * stop and start the server. The machine's PostgreSQL is shared by every other test file and must never
 * be stopped.
 */
export interface ScratchPostgres {
  /** URL of the `broker` database. */
  readonly url: string;
  readonly port: number;
  /** Fast shutdown (SIGINT): sessions are cut, as on a failover or a restart of the server. */
  stop(): Promise<void>;
  /** Starts the server again on the same port with the same files. */
  start(): Promise<void>;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Stops the server and removes its files. */
  destroy(): Promise<void>;
}

export async function startScratchPostgres(): Promise<ScratchPostgres> {
  const dataDir = await mkdtemp(join(tmpdir(), 'broker-scratch-pg-'));
  let server: EmbeddedDatabase | undefined = await startEmbeddedPostgres({ dataDir, database: 'broker' });
  const url = server.url;
  const port = Number(new URL(url).port);
  return {
    url,
    port,
    stop: async () => {
      const running = server;
      server = undefined;
      await running?.stop();
    },
    start: async () => {
      server ??= await startEmbeddedPostgres({ dataDir, database: 'broker', port });
    },
    query: <T extends pg.QueryResultRow>(sql: string, params?: unknown[]) => queryOnce<T>(url, sql, params),
    destroy: async () => {
      await server?.stop();
      server = undefined;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
