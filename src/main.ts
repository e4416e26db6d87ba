// First: V8's collector is tuned before the app allocates (see heap-tuning.ts).
import './runtime/heap-tuning.js';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { resolve } from 'node:path';
import { createApp } from './app.factory.js';
import { DevAdminKey } from './auth/dev-admin-key.js';
import { ConfigError, loadConfig } from './config/config.js';
import { EmbeddedDatabase, startEmbeddedPostgres } from './database/embedded-postgres.js';
import { EmbeddedStartError } from './database/postgres-user-access.js';

/** On SIGTERM the whole shutdown (in-flight requests, leases, pool, embedded DB) must fit in this. */
const SHUTDOWN_DEADLINE_MS = 9_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const logger = new Logger('Bootstrap');
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    logger.log(`DATABASE_URL is not set: starting the embedded PostgreSQL in ${config.dataDir}`);
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, database: 'broker' });
    databaseUrl = embedded.url;
  }
  const app = await createApp(config, { databaseUrl }).catch(async (err: unknown) => {
    await embedded?.stop();
    throw err;
  });
  // No key exists on a first start on the embedded default: one is handed to the newcomer (design.md §7).
  if (embedded && config.env !== 'production' && !config.bootstrapAdminKey) {
    await app.get(DevAdminKey).provision(resolve(config.dataDir), config.publicUrl);
  }
  await app.listen({ port: config.port, host: config.host });
  logger.log(`Listening on http://${config.host}:${config.port} (docs at ${config.publicUrl}/docs)`);

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: finishing in-flight requests and shutting down`);
    setTimeout(() => {
      logger.error('Shutdown took too long; exiting now');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    void (async () => {
      await app.close();
      await embedded?.stop();
      process.exit(0);
    })();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  // A cause we can name gets its one line; anything else keeps its stack for whoever debugs it.
  const text =
    err instanceof EmbeddedStartError
      ? err.message
      : err instanceof Error
        ? (err.stack ?? err.message)
        : String(err);
  process.stderr.write(`Failed to start: ${text}\n`);
  process.exit(1);
});
