import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source.js';
import { isDatabaseUnavailable } from '../../src/database/database-errors.js';
import {
  CREDENTIAL_CHANNEL,
  CredentialChangesListener,
} from '../../src/credentials/credential-changes.listener.js';
import { DatabaseNotifications } from '../../src/database/database-notifications.js';
import { CachedToken, TokenCache } from '../../src/token-store/token-cache.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';

const LISTEN_APP = 'particle-token-broker-listen';

function entry(tenantId: string): CachedToken {
  return {
    credentialId: `${tenantId}-cred`,
    tenantId,
    accessToken: `token-of-${tenantId}`,
    expiresAt: null,
    scope: null,
    trustUntil: Date.now() + 60_000,
  };
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe(CredentialChangesListener.name, () => {
  let db: TestDatabase;
  let ds: DataSource;
  let cache: TokenCache;
  let notifications: DatabaseNotifications;
  let listener: CredentialChangesListener;
  const key = (tenant: string): string => TokenCache.key(tenant, undefined, undefined);
  const cached = (tenant: string): boolean => cache.get(key(tenant), Date.now()) !== undefined;
  const notify = (tenant: string): Promise<unknown> =>
    ds.query('SELECT pg_notify($1, $2)', [CREDENTIAL_CHANNEL, tenant]);
  /** Kills this database's sessions of one application, as a database restart or failover does. */
  const terminate = (app: string): Promise<unknown> =>
    db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = $1 AND application_name = $2 AND pid <> pg_backend_pid()`,
      [db.name, app],
    );
  /** The listener's session exists and has run its LISTEN (it then clears the cache once, at once). */
  const listening = async (): Promise<boolean> =>
    (
      await db.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = $2
            AND state = 'idle' AND query LIKE 'LISTEN%'`,
        [db.name, LISTEN_APP],
      )
    ).length === 1;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = new DataSource(dataSourceOptions(db.url, 2));
    await ds.initialize();
    cache = new TokenCache();
    notifications = new DatabaseNotifications(ds);
    listener = new CredentialChangesListener(notifications);
    listener.subscribe(cache);
    await notifications.onModuleInit();
  });
  afterAll(async () => {
    listener.onApplicationShutdown();
    await notifications.onApplicationShutdown();
    await ds.destroy();
    await db.drop();
  });

  /** Notifying one tenant evicts it and only it (a whole-cache clear would evict both). */
  async function expectEvictionByNotify(): Promise<void> {
    expect(await until(listening)).toBe(true);
    await new Promise((r) => setTimeout(r, 100)); // past the clear that follows a (re)connect
    cache.set(key('t1'), entry('t1'), cache.generation('t1'));
    cache.set(key('t2'), entry('t2'), cache.generation('t2'));
    await notify('t1');
    expect(await until(() => !cached('t1'), 5000)).toBe(true);
    expect(cached('t2')).toBe(true);
  }

  it('evicts the tenant a notification names', async () => {
    await expectEvictionByNotify();
  });

  it('drops the whole cache when its connection is cut, reconnects by itself, and evicts again', async () => {
    cache.set(key('t3'), entry('t3'), cache.generation('t3'));
    await terminate(LISTEN_APP);
    expect(await until(() => !cached('t3'), 5000)).toBe(true);
    await expectEvictionByNotify();
  });

  it('survives the pool losing its sessions: idle ones are replaced, a cut query says the database is unavailable', async () => {
    await ds.query('SELECT 1');
    const slow = ds.query('SELECT pg_sleep(30)').then(
      () => undefined,
      (err: unknown) => err,
    );
    await until(
      async () =>
        (
          await db.query(
            `SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'SELECT pg_sleep%'`,
            [db.name],
          )
        ).length > 0,
    );
    await terminate('particle-token-broker');
    expect(isDatabaseUnavailable(await slow)).toBe(true);
    // The idle session's end reaches its client on its own socket, maybe after the busy one's: until it
    // has, the pool could still hand that client out (and that query would fail as unavailable, a 503).
    const pool = (ds.driver as unknown as { master: Pool }).master;
    expect(await until(() => pool.totalCount === 0, 5000)).toBe(true);
    // An unhandled 'error' from an idle client would have crashed this worker before this line.
    await expect(ds.query('SELECT 1 AS ok')).resolves.toEqual([{ ok: 1 }]);
  });
});
