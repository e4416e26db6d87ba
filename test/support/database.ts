import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { urlFor } from './database-url.js';
import { dumpDatabase } from './leak-check/database-dump.js';
import { leakRecorder } from './leak-check/recorder.js';

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  /** Runs SQL against it with a short-lived connection (for asserting rows, not for app work). */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Dumps it for the whole-run leak check, then drops it. */
  drop(): Promise<void>;
}

const INVALID_CATALOG_NAME = '3D000';

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A database already gone has nothing left to dump (DROP ... IF EXISTS never minded either). */
function unlessDropped(error: unknown): void {
  if (!(error instanceof Error && 'code' in error && error.code === INVALID_CATALOG_NAME)) throw error;
}

/** A fresh database cloned from the migrated template: each test file gets its own, so files run in parallel. */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `${inject('databasePrefix')}${randomBytes(6).toString('hex')}`;
  const template = options.migrated === false ? 'template0' : inject('templateDatabase');
  await withAdmin(async (admin) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
        return;
      } catch (err) {
        // Two clones starting at the same instant can briefly see each other on the template.
        if (attempt >= 10 || !String(err).includes('being accessed by other users')) throw err;
        await new Promise((r) => setTimeout(r, 50 + attempt * 50));
      }
    }
  });
  const url = urlFor(inject('adminDatabaseUrl'), name);
  return {
    url,
    name,
    query: <T extends pg.QueryResultRow>(sql: string, params?: unknown[]) => queryOnce<T>(url, sql, params),
    drop: async () => {
      const dumpFile = leakRecorder.dumpFile(name);
      if (dumpFile) await dumpDatabase(url, dumpFile).catch(unlessDropped);
      await withAdmin(
        async (admin) => void (await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
      );
    },
  };
}

/** One statement on its own short-lived connection: tests' direct looks at a database. */
export async function queryOnce<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
