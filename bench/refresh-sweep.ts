/**
 * Refresh sweep throughput: N due client_credentials credentials, the Particle fake answering every call
 * after BENCH_LATENCY_MS (50), two broker processes sweeping together (POST /v1/admin/refresh-runs until
 * nothing is due). Prints renewals/s next to the ideal, REFRESH_CONCURRENCY x replicas / latency, and
 * next to what the fake alone sustains at that concurrency, all in the same run.
 * Usage: npm run bench:sweep (TEST_DATABASE_URL or DATABASE_URL names a server for a scratch database).
 * BENCH_PROFILE=dir writes a CPU profile of each replica there; BENCH_COUNT_QUERIES=1 makes each replica
 * print its statements (count, wall time until answered) at exit (see query-count.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { ParticleFake } from '../test/support/particle-fake.js';
import {
  benchAdminKey,
  brokerEnv,
  cpuSeconds,
  freePort,
  startProcess,
  scratchDatabase,
  postJson,
  BENCH_CLIENT,
  seedTenant,
} from './harness.js';

const CREDENTIALS = Number(process.env.BENCH_CREDENTIALS ?? 10_000);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const REPLICAS = 2;
const root = join(import.meta.dirname, '..', '..');
const nodeArgs = [
  ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
  ...(process.env.BENCH_COUNT_QUERIES ? ['--import', join(import.meta.dirname, 'query-count.js')] : []),
];

/** What the fake alone sustains with the same number of calls in flight: the practical ceiling. */
async function fakeCeiling(fake: ParticleFake, inFlight: number, seconds: number): Promise<number> {
  const auth = `Basic ${Buffer.from('bench-prod:bench-secret').toString('base64')}`;
  const until = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (Date.now() < until) {
        await fetch(`${fake.url}/oauth/token`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials&expires_in=3600',
        }).then((r) => r.text());
        done++;
      }
    }),
  );
  return done / seconds;
}

async function main(): Promise<void> {
  const scratch = await scratchDatabase();
  const dbUrl = new URL(scratch.url);
  const fake = await ParticleFake.start({ tokenBudget: 10_000_000, latencyMs: LATENCY_MS });
  fake.addClient(BENCH_CLIENT);
  const adminKey = benchAdminKey();
  const env = brokerEnv(
    { databaseUrl: dbUrl.toString(), particleUrl: fake.url, adminKey },
    { PARTICLE_TOKEN_BUDGET: '100000', REFRESH_CONCURRENCY: String(CONCURRENCY), LOG_LEVEL: 'warn' },
  );
  const ports = [await freePort(), await freePort()];
  const bases = ports.map((p) => `http://127.0.0.1:${p}`);
  const replicas: ChildProcess[] = [];
  const db = new pg.Client({ connectionString: dbUrl.toString() });
  try {
    for (const port of ports) {
      replicas.push(
        await startProcess(
          join(root, 'dist', 'main.js'),
          { ...env, PORT: String(port) },
          `http://127.0.0.1:${port}/health/ready`,
          nodeArgs,
        ),
      );
    }
    const base = bases[0] ?? '';
    await seedTenant(base, adminKey, 'bench');
    await db.connect();
    // Copies of the first credential, all due now (their tokens are not copied: a sealed value is bound to its row).
    await db.query(
      `INSERT INTO credentials (id, tenant_id, kind, oauth_client_id, issuer_client_id, status, failure_count, version, next_attempt_at)
       SELECT gen_random_uuid(), tenant_id, kind, oauth_client_id, issuer_client_id, 'active', 0, 1, now() - interval '1 minute'
         FROM credentials, generate_series(1, $1)`,
      [CREDENTIALS - 1],
    );
    await db.query(`UPDATE credentials SET next_attempt_at = now() - interval '1 minute'`);
    const ceiling = await fakeCeiling(fake, CONCURRENCY * REPLICAS, 3);
    const commits = async () =>
      Number(
        (
          await db.query<{ n: string }>(
            'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
          )
        ).rows[0]?.n,
      );
    const commitsBefore = await commits();
    const mintsBefore = fake.tokenCalls({ ok: true });
    const brokerCpu = () => replicas.reduce((sum, r) => sum + (cpuSeconds(r.pid) ?? NaN), 0);
    const cpuBefore = brokerCpu();
    const started = Date.now();
    const totals = { claimed: 0, renewed: 0, failed: 0, skipped: 0 };
    for (let pass = 0; pass < 1000; pass++) {
      const results = await Promise.all(bases.map((b) => postJson(b, adminKey, '/v1/admin/refresh-runs')));
      for (const r of results)
        for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += Number(r[k] ?? 0);
      const due = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM credentials WHERE next_attempt_at <= now()`,
      );
      if (Number(due.rows[0]?.n) === 0) break;
      // Local refusals (in-flight cap) put credentials back a second later; come back for them.
      if (results.every((r) => Number(r.claimed) === 0)) await new Promise((r) => setTimeout(r, 250));
    }
    const seconds = (Date.now() - started) / 1000;
    const cpuMs = (brokerCpu() - cpuBefore) * 1000;
    // The statistics collector publishes counts up to a second late.
    await new Promise((r) => setTimeout(r, 1200));
    const committed = (await commits()) - commitsBefore;
    const rate = totals.renewed / seconds;
    const ideal = (CONCURRENCY * REPLICAS * 1000) / LATENCY_MS;
    console.log(
      `\nrefresh-sweep: ${CREDENTIALS} due credentials, ${REPLICAS} replicas x REFRESH_CONCURRENCY=${CONCURRENCY}, fake latency ${LATENCY_MS} ms`,
    );
    console.log(
      `renewed ${totals.renewed} in ${seconds.toFixed(1)} s (claimed ${totals.claimed}, failed ${totals.failed}, skipped ${totals.skipped}); mints at the fake: ${fake.tokenCalls({ ok: true }) - mintsBefore}`,
    );
    console.log(
      `broker CPU (both replicas): ${(cpuMs / Math.max(1, totals.renewed)).toFixed(2)} ms per renewal, ${(cpuMs / 1000 / seconds).toFixed(2)} cores on average`,
    );
    console.log(
      `PostgreSQL transactions committed (all sessions, incl. this bench's polling): ${(committed / Math.max(1, totals.renewed)).toFixed(2)} per renewal`,
    );
    console.log(
      `renewals/s: ${rate.toFixed(1)}; ideal ${ideal.toFixed(1)} -> ratio ${(rate / ideal).toFixed(2)} (target >= 0.80)`,
    );
    console.log(
      `the fake alone at ${CONCURRENCY * REPLICAS} in flight: ${ceiling.toFixed(1)} calls/s -> ratio to that ${(rate / ceiling).toFixed(2)}`,
    );
  } finally {
    await db.end().catch(() => undefined);
    for (const r of replicas) r.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    await fake.close();
    await scratch.drop();
  }
}

await main();
