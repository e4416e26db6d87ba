/**
 * Token issuance on the cache-hit path (audit on), against a bare Nest + Fastify JSON route measured in
 * the same run. Each server runs in its own process; autocannon runs here. Usage: npm run bench:tokens
 * (uses TEST_DATABASE_URL, else DATABASE_URL, for a scratch database it drops afterwards).
 */
import { join } from 'node:path';
import pg from 'pg';
import { ParticleFake } from '../test/support/particle-fake.js';
import {
  benchAdminKey,
  brokerEnv,
  freePort,
  load,
  startBareServer,
  LoadResult,
  startProcess,
  scratchDatabase,
  BENCH_CLIENT,
  seedTenant,
} from './harness.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const root = join(import.meta.dirname, '..', '..');
/** The same-run ratio broker/bare the token path must reach (issue 17): the machines' Node 20, and Node 24. */
const RATIO_TARGET = Number(process.versions.node.split('.')[0]) >= 24 ? 0.85 : 0.7;

async function main(): Promise<void> {
  const scratch = await scratchDatabase();
  const dbUrl = new URL(scratch.url);
  const fake = await ParticleFake.start();
  fake.addClient(BENCH_CLIENT);
  const adminKey = benchAdminKey();
  // BENCH_PROFILE=dir: the bare server's profile goes to dir/bare, the broker's to dir.
  const { child: bare, port: barePort } = await startBareServer(
    process.env.BENCH_PROFILE
      ? ['--cpu-prof', `--cpu-prof-dir=${join(process.env.BENCH_PROFILE, 'bare')}`]
      : [],
  );
  const brokerPort = await freePort();
  const broker = await startProcess(
    join(root, 'dist', 'main.js'),
    brokerEnv(
      { databaseUrl: dbUrl.toString(), particleUrl: fake.url, adminKey },
      {
        PORT: String(brokerPort),
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
        // The per-key limit is checked on every request (its cost is measured) but set above what one key
        // sends here; BENCH_RATE_LIMIT=0 measures without the check.
        RATE_LIMIT_PER_MINUTE: process.env.BENCH_RATE_LIMIT ?? '100000000',
      },
    ),
    `http://127.0.0.1:${brokerPort}/health/ready`,
    // BENCH_PROFILE=dir writes a CPU profile of the broker there (open it in Chrome DevTools).
    process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [],
  );
  try {
    const base = `http://127.0.0.1:${brokerPort}`;
    const call = (path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, string> }));
    await seedTenant(base, adminKey, 'bench');
    const key = await call('/v1/api-keys', { name: 'bench', role: 'service', tenants: ['bench'] });
    const first = await call('/v1/tenants/bench/tokens', {});
    if (first.status !== 200) throw new Error(`token endpoint answered ${first.status}`);
    const body = JSON.stringify({ min_ttl_seconds: 300 });
    const headers = { authorization: `Bearer ${key.body.key ?? ''}` };
    // A short warm-up for each, so JIT and pools are in the same state.
    await load({
      url: `http://127.0.0.1:${barePort}/v1/tenants/bench/tokens`,
      body,
      connections: CONNECTIONS,
      seconds: 2,
    });
    await load({
      url: `${base}/v1/tenants/bench/tokens`,
      body,
      headers,
      connections: CONNECTIONS,
      seconds: 2,
    });
    const bareResult = await load({
      url: `http://127.0.0.1:${barePort}/v1/tenants/bench/tokens`,
      body,
      connections: CONNECTIONS,
      seconds: SECONDS,
      serverPid: bare.pid,
    });
    const brokerResult = await load({
      url: `${base}/v1/tenants/bench/tokens`,
      body,
      headers,
      connections: CONNECTIONS,
      seconds: SECONDS,
      serverPid: broker.pid,
    });
    const metrics = await fetch(`${base}/metrics`).then((r) => r.text());
    const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    const inserts = metric('broker_audit_insert_statements_total');
    const events = metric('broker_audit_events_total');
    const auditDb = new pg.Client({ connectionString: dbUrl.toString() });
    await auditDb.connect();
    const counted = await auditDb.query<{ n: string }>(
      `SELECT count(*) AS n FROM audit_events WHERE action = 'token.issue'`,
    );
    await auditDb.end();
    report(bareResult, brokerResult, fake.tokenCalls(), counted.rows[0]?.n ?? '?');
    console.log(
      `audit group commit over the whole broker process: ${events} events in ${inserts} INSERTs (${(events / inserts).toFixed(1)} rows per INSERT)`,
    );
  } finally {
    broker.kill('SIGTERM');
    bare.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    await fake.close();
    await scratch.drop();
  }
}

function report(bare: LoadResult, broker: LoadResult, particleCalls: number, auditRows: string): void {
  const cpu = (r: LoadResult) =>
    r.cpuMicrosPerRequest === undefined ? '?' : r.cpuMicrosPerRequest.toFixed(0);
  const row = (name: string, r: LoadResult) =>
    `${name.padEnd(34)} ${r.requestsPerSecond.toFixed(0).padStart(8)} ${String(r.p50).padStart(6)} ${String(r.p99).padStart(6)} ${String(r.non2xx).padStart(7)} ${String(r.errors).padStart(6)} ${cpu(r).padStart(8)}`;
  console.log(
    `\nissue-tokens: ${CONNECTIONS} connections, ${SECONDS} s each, cache-hit path, audit on, node ${process.version}`,
  );
  console.log(
    `${'server'.padEnd(34)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(6)} ${'p99 ms'.padStart(6)} ${'non-2xx'.padStart(7)} ${'errors'.padStart(6)} ${'CPU µs/req'.padStart(8)}`,
  );
  console.log(row('bare Nest+Fastify JSON route', bare));
  console.log(row('broker POST /v1/tenants/:id/tokens', broker));
  console.log(
    `ratio broker/bare: ${(broker.requestsPerSecond / bare.requestsPerSecond).toFixed(2)} (target >= ${RATIO_TARGET.toFixed(2)} on this runtime); broker p99 ${broker.p99} ms`,
  );
  if (bare.cpuMicrosPerRequest !== undefined && broker.cpuMicrosPerRequest !== undefined) {
    console.log(
      `CPU per request broker/bare: ${(broker.cpuMicrosPerRequest / bare.cpuMicrosPerRequest).toFixed(2)} (steadier than req/s on a shared machine)`,
    );
  }
  if (broker.postgresCpuMicrosPerRequest !== undefined) {
    // The bare route has no database; on one machine this is CPU the broker's run lost to PostgreSQL.
    console.log(
      `local PostgreSQL CPU per broker request: ${broker.postgresCpuMicrosPerRequest.toFixed(0)} µs (bare run: ${(bare.postgresCpuMicrosPerRequest ?? 0).toFixed(0)} µs)`,
    );
  }
  console.log(
    `token calls at the fake during the run: ${particleCalls} (1 = only the first mint); audit rows for token.issue: ${auditRows}`,
  );
}

await main();
