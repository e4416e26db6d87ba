import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import type { TestProject } from 'vitest/node';
import { dataSourceOptions, runMigrationsLocked } from '../../src/database/data-source.js';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { TEST_DB_PREFIX, urlFor } from './database-url.js';
import { keepFailingExitCode } from './exit-code.js';
import { checkRun, createRunDirectory, dumpLeftover } from './leak-check/run-check.js';
import { LEAK_DIR_KEY } from './leak-check/records.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    templateDatabase: string;
    /** Names of this run's per-file databases start with it, so teardown drops only its own. */
    databasePrefix: string;
    /** Where the test files write what the whole-run leak check searches. */
    [LEAK_DIR_KEY]: string;
  }
}

/**
 * Once per run: pick the server (TEST_DATABASE_URL, else an embedded PostgreSQL kept under .data/test-pg),
 * migrate a template database, and hand both to the test files, which clone the template. At the end,
 * the whole-run leak check: every secret the Particle fakes saw, searched for in every captured log line,
 * response body and database dump of the run (test/support/leak-check).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  keepFailingExitCode();
  let embedded: EmbeddedDatabase | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    embedded = await startEmbeddedPostgres({
      dataDir: join(process.cwd(), '.data', 'test-pg'),
      database: 'postgres',
    });
    adminUrl = embedded.adminUrl;
  }
  const serverUrl = adminUrl;
  const runId = randomBytes(4).toString('hex');
  const template = `${TEST_DB_PREFIX}tpl_${runId}`;
  const databasePrefix = `${TEST_DB_PREFIX}${runId}_`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  const ds = new DataSource(dataSourceOptions(urlFor(adminUrl, template), 2));
  await ds.initialize();
  await runMigrationsLocked(ds);
  await ds.destroy();
  // A template must have no connections while it is cloned; marking it as one also keeps it read-mostly.
  await admin.query(`ALTER DATABASE ${template} WITH IS_TEMPLATE true`);
  project.provide('adminDatabaseUrl', adminUrl);
  project.provide('templateDatabase', template);
  project.provide('databasePrefix', databasePrefix);
  const leakDir = await createRunDirectory();
  project.provide(LEAK_DIR_KEY, leakDir);

  return async () => {
    // Only this run's: other runs on the same server (another checkout, the chaos suite) are mid-test.
    const leftovers = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE starts_with(datname, $1) OR datname = $2`,
      [databasePrefix, template],
    );
    for (const { datname } of leftovers.rows) {
      if (datname !== template) {
        await dumpLeftover(leakDir, urlFor(serverUrl, datname), datname).catch((error: unknown) =>
          console.warn(`leak check: could not dump ${datname}: ${String(error)}`),
        );
      }
      await admin.query(`ALTER DATABASE ${datname} WITH IS_TEMPLATE false`).catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
    }
    await admin.end();
    await embedded?.stop();
    const leaks = await checkRun(leakDir);
    if (leaks) {
      // Vitest only logs an error thrown here ("error during close"): the exit code is ours to set.
      process.exitCode = 1;
      console.error(leaks);
      throw new Error(
        'leak check failed: a Particle or webhook secret appeared in a log, a response or a database dump',
      );
    }
  };
}
