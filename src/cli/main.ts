#!/usr/bin/env node
/**
 * Ops CLI. `refresh` runs one sweep for an external cron (Kubernetes CronJob, system cron) through the
 * same services as the API, prints {claimed, renewed, failed, skipped}, and exits 1 when a renewal failed.
 * Configured by the same environment as the service (DATABASE_URL, or the embedded database).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { runMigrationsLocked } from '../database/data-source.js';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../database/embedded-postgres.js';
import { RefreshSchedulerService } from '../refresh-scheduler/refresh-scheduler.service.js';
import { DataSource } from 'typeorm';

const USAGE = `usage: particle-token-broker <command> [--json]

commands:
  refresh    run one refresh sweep now; exit code 1 if any renewal failed`;

async function refresh(json: boolean): Promise<number> {
  // The CLI never runs the in-process cron; it is the cron.
  const config = loadConfig({
    ...process.env,
    REFRESH_CRON: 'off',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  let embedded: EmbeddedDatabase | undefined;
  const databaseUrl =
    config.databaseUrl ??
    (embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, database: 'broker' })).url;
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, { databaseUrl }), {
    logger: ['error', 'warn'],
  });
  try {
    if (config.migrateOnStart) await runMigrationsLocked(app.get(DataSource));
    await app.init();
    const result = await app.get(RefreshSchedulerService).sweep();
    console.log(
      json
        ? JSON.stringify(result)
        : `claimed ${result.claimed}, renewed ${result.renewed}, failed ${result.failed}, skipped ${result.skipped}`,
    );
    return result.failed > 0 ? 1 : 0;
  } finally {
    await app.close();
    await embedded?.stop();
  }
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const [command] = argv.filter((a) => !a.startsWith('--'));
  try {
    if (command === 'refresh') return await refresh(json);
  } catch (err) {
    console.error(
      err instanceof ConfigError
        ? err.message
        : `failed: ${err instanceof Error ? err.message : String(err)}`,
    );
    return err instanceof ConfigError ? 78 : 2;
  }
  console.error(USAGE);
  return 2;
}

process.exit(await main(process.argv.slice(2)));
