/**
 * The broker's own AuditService (group commit, statement and row) outside the broker, for the ceiling
 * sides of the benchmarks: what a bare server costs once it also writes the audit row the broker writes.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AuditRepository } from '../src/audit/audit.repository.js';
import { AuditService } from '../src/audit/audit.service.js';
import { SystemClock } from '../src/common/clock.js';
import { dataSourceOptions } from '../src/database/data-source.js';
import { MetricsService } from '../src/metrics/metrics.service.js';

/** The credential every bare answer and every bench audit row names. */
export const BENCH_CREDENTIAL_ID = '6c1f7a0e-5d8b-4d55-9a51-0f0d7c7b1f62';

/** The ceilings' audit actor, left out of the broker's row counts. */
export const CEILING_ACTOR = 'key:bench-ceiling';

/** An AuditService on `databaseUrl` (the broker's database, already migrated). */
export async function benchAuditService(databaseUrl: string): Promise<AuditService> {
  const dataSource = await new DataSource(dataSourceOptions(databaseUrl)).initialize();
  return new AuditService(new AuditRepository(dataSource), new SystemClock(), new MetricsService());
}
