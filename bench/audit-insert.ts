/**
 * What one audit row costs, by the size of the group commit's INSERT it goes in: the broker's own
 * `AuditRepository.appendBatch` (the statement, the row of a token issue), one INSERT at a time on a
 * scratch database, CPU of this process and of every local `postgres` process per row and per INSERT.
 * Usage: TEST_DATABASE_URL=... npm run bench:audit   (BENCH_AUDIT_ROWS: rows written per batch size)
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AuditRepository, NewAuditEvent } from '../src/audit/audit.repository.js';
import { dataSourceOptions } from '../src/database/data-source.js';
import { BENCH_CREDENTIAL_ID } from './bench-audit.js';
import { postgresCpuSeconds, scratchDatabase } from './harness.js';

const ROWS = Number(process.env.BENCH_AUDIT_ROWS ?? 45_000);
const SIZES = [1, 3, 10, 45, 200];

const event = (i: number): NewAuditEvent => ({
  actor: `key:${BENCH_CREDENTIAL_ID}`,
  action: 'token.issue',
  tenantId: 'bench',
  target: BENCH_CREDENTIAL_ID,
  outcome: 'success',
  requestId: `bench-${i}`,
  details: { source: 'cache', min_ttl_seconds: 300 },
  at: new Date(),
});

async function main(): Promise<void> {
  const scratch = await scratchDatabase();
  const dataSource = await new DataSource(dataSourceOptions(scratch.url)).initialize();
  try {
    await dataSource.runMigrations();
    const repository = new AuditRepository(dataSource);
    console.log(`audit INSERT cost by rows per INSERT, ${ROWS} rows each, one INSERT at a time`);
    console.log('rows/INSERT  wall µs/INSERT  PG µs/INSERT  PG µs/row  node µs/row');
    for (const size of SIZES) {
      const batch = Array.from({ length: size }, (_, i) => event(i));
      for (let i = 0; i < 20; i++) await repository.appendBatch(batch); // prepared, warm
      const inserts = Math.max(1, Math.round(ROWS / size));
      const pg0 = postgresCpuSeconds();
      const node0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < inserts; i++) await repository.appendBatch(batch);
      const wall = performance.now() - t0;
      const node = process.cpuUsage(node0);
      const pg1 = postgresCpuSeconds();
      const pgUs = pg0 !== undefined && pg1 !== undefined ? (pg1 - pg0) * 1e6 : NaN;
      const rows = inserts * size;
      console.log(
        [
          String(size).padStart(11),
          ((1000 * wall) / inserts).toFixed(0).padStart(15),
          (pgUs / inserts).toFixed(0).padStart(13),
          (pgUs / rows).toFixed(1).padStart(10),
          ((node.user + node.system) / rows).toFixed(1).padStart(12),
        ].join(' '),
      );
    }
    console.log('PG: every local postgres process (the machine must be otherwise quiet); node: this process');
  } finally {
    await dataSource.destroy();
    await scratch.drop();
  }
}

await main();
