import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import type { TestProject } from 'vitest/node';
import { dataSourceOptions, runMigrationsLocked } from '../../src/database/data-source.js';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { TEST_DB_PREFIX, urlFor } from './database-url.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    templateDatabase: string;
  }
}

/**
 * Once per run: pick the server (TEST_DATABASE_URL, else an embedded PostgreSQL kept under .data/test-pg),
 * migrate a template database, and hand both to the test files, which clone the template.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let embedded: EmbeddedDatabase | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    embedded = await startEmbeddedPostgres({
      dataDir: join(process.cwd(), '.data', 'test-pg'),
      database: 'postgres',
    });
    adminUrl = embedded.adminUrl;
  }
  const template = `${TEST_DB_PREFIX}tpl_${randomBytes(4).toString('hex')}`;
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

  return async () => {
    const leftovers = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1 AND (datname NOT LIKE '%tpl%' OR datname = $2)`,
      [`${TEST_DB_PREFIX}%`, template],
    );
    for (const { datname } of leftovers.rows) {
      await admin.query(`ALTER DATABASE ${datname} WITH IS_TEMPLATE false`).catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
    }
    await admin.end();
    await embedded?.stop();
  };
}
