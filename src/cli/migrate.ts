/**
 * Migration tooling (`npm run migration:run | migration:check | migration:generate -- Name`).
 * run: applies pending migrations to DATABASE_URL (or the embedded database) under the advisory lock.
 * check: migrates a scratch database and fails if the entities need any SQL the migrations do not have.
 * generate: writes that SQL as a new migration file to review.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/config.js';
import { dataSourceOptions, runMigrationsLocked } from '../database/data-source.js';
import { startEmbeddedPostgres } from '../database/embedded-postgres.js';
import { runningEmbeddedPostgres } from '../database/running-embedded-postgres.js';

/** `run` targets the service's own database; the scratch work of check/generate may use the test server. */
async function serverUrl(scratch: boolean): Promise<{ url: string; stop: () => Promise<void> }> {
  const config = loadConfig();
  const url = (scratch ? process.env.TEST_DATABASE_URL : undefined) ?? config.databaseUrl;
  if (url) return { url, stop: () => Promise.resolve() };
  const options = { dataDir: config.dataDir, database: 'broker' };
  const embedded = (await runningEmbeddedPostgres(options)) ?? (await startEmbeddedPostgres(options));
  return { url: embedded.url, stop: () => embedded.stop() };
}

async function withScratchDatabase<T>(fn: (ds: DataSource) => Promise<T>): Promise<T> {
  const server = await serverUrl(true);
  const name = `broker_migration_check_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  const ds = new DataSource(dataSourceOptions(url.toString(), 2));
  try {
    await ds.initialize();
    await runMigrationsLocked(ds);
    return await fn(ds);
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await server.stop();
  }
}

async function driftSql(ds: DataSource): Promise<{ up: string[]; down: string[] }> {
  const log = await ds.driver.createSchemaBuilder().log();
  return {
    up: log.upQueries.map((q) => q.query),
    down: log.downQueries.map((q) => q.query).reverse(),
  };
}

function migrationSource(className: string, up: string[], down: string[]): string {
  const lines = (qs: string[]) =>
    qs.map((q) => `    await q.query(\`${q.replace(/[`$\\]/g, '\\$&')}\`);`).join('\n');
  return `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
${lines(up)}
  }

  async down(q: QueryRunner): Promise<void> {
${lines(down)}
  }
}
`;
}

async function main(): Promise<number> {
  const [command, name] = process.argv.slice(2);
  if (command === 'run') {
    const server = await serverUrl(false);
    const ds = new DataSource(dataSourceOptions(server.url, 2));
    await ds.initialize();
    const applied = await runMigrationsLocked(ds).finally(() => ds.destroy());
    await server.stop();
    console.log(
      applied.length ? `Applied: ${applied.join(', ')}` : 'Nothing to apply: the database is up to date.',
    );
    return 0;
  }
  if (command === 'check') {
    const drift = await withScratchDatabase(driftSql);
    if (drift.up.length === 0) {
      console.log('Entities and migrations agree.');
      return 0;
    }
    console.error(
      `Entities and migrations have drifted; a migration is missing for:\n${drift.up.join(';\n')};`,
    );
    return 1;
  }
  if (command === 'generate' && name && /^[A-Z][A-Za-z0-9]+$/.test(name)) {
    const drift = await withScratchDatabase(driftSql);
    if (drift.up.length === 0) {
      console.log('No changes: nothing to generate.');
      return 0;
    }
    const stamp = Date.now();
    const file = join('src', 'database', 'migrations', `${stamp}-${name}.ts`);
    await writeFile(file, migrationSource(`${name}${stamp}`, drift.up, drift.down));
    console.log(`Wrote ${file}: review it, then add it to MIGRATIONS in src/database/migrations/index.ts.`);
    return 0;
  }
  console.error('usage: migrate.js run | check | generate <PascalCaseName>');
  return 2;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
