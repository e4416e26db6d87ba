/**
 * Memory of one replica at scale: N tenants with one client_credentials credential each (default 10,000),
 * all renewed by a sweep, then token issuance spread over every tenant (so the per-replica token cache
 * holds them all). Prints the broker's RSS and V8 heap at start, after the sweep, during and after the
 * load (every tenant asked twice: a cache miss, then a hit), beside the RSS of a bare Nest+Fastify process
 * started in the same run.
 * Usage: npm run bench:memory (TEST_DATABASE_URL or DATABASE_URL names a server for a scratch database).
 */
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { ParticleFake } from '../test/support/particle-fake.js';
import {
  benchAdminKey,
  BENCH_CLIENT,
  brokerEnv,
  freePort,
  postJson,
  scratchDatabase,
  seedTenant,
  startBareServer,
  startProcess,
} from './harness.js';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 10_000);
const root = join(import.meta.dirname, '..', '..');

/** Resident set size of a process, in MiB, from /proc (Linux). */
function rssMiB(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
}

/** V8 heap in use, in MiB, from the broker's own /metrics. */
async function heapMiB(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1]) / 2 ** 20;
}

/** `mem-client-<i>` for tenants m1..m<count>, all the bench's Particle client, 16 requests at a time. */
async function createClients(base: string, adminKey: string, count: number): Promise<void> {
  let next = 1;
  const worker = async (): Promise<void> => {
    for (let i = next++; i <= count; i = next++) {
      await postJson(base, adminKey, '/v1/oauth-clients', {
        id: `mem-client-${i}`,
        tenant_id: `m${i}`,
        client_id: BENCH_CLIENT.id,
        client_secret: BENCH_CLIENT.secret,
        type: 'installed',
        product_id: String(BENCH_CLIENT.productId),
      });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

async function main(): Promise<void> {
  const scratch = await scratchDatabase();
  const fake = await ParticleFake.start({ tokenBudget: 10_000_000 });
  fake.addClient(BENCH_CLIENT);
  const adminKey = benchAdminKey();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const bare = (await startBareServer()).child;
  const broker = await startProcess(
    join(root, 'dist', 'main.js'),
    brokerEnv(
      { databaseUrl: scratch.url, particleUrl: fake.url, adminKey },
      {
        PORT: String(port),
        PARTICLE_TOKEN_BUDGET: '100000',
        REFRESH_CONCURRENCY: '8',
        RATE_LIMIT_PER_MINUTE: '0',
        LOG_LEVEL: 'warn',
      },
    ),
    `${base}/health/ready`,
  );
  const db = new pg.Client({ connectionString: scratch.url });
  const rows: [string, number, number | undefined][] = [];
  const sample = async (label: string) => rows.push([label, rssMiB(broker.pid), await heapMiB(base)]);
  try {
    await sample('started, empty database');
    await seedTenant(base, adminKey, 'm0');
    await db.connect();
    // One tenant, its own product client (a shared client never mints client_credentials, design.md §9.7)
    // and one due credential per tenant (no token yet: a sealed value is bound to its row). The clients go
    // through the API, which seals each secret for its own row.
    await db.query(
      `INSERT INTO tenants (id, name) SELECT 'm' || i, 'm' || i FROM generate_series(1, $1) AS i`,
      [TENANTS - 1],
    );
    await createClients(base, adminKey, TENANTS - 1);
    await db.query(
      `INSERT INTO credentials (id, tenant_id, kind, oauth_client_id, issuer_client_id, status, failure_count, version, next_attempt_at)
       SELECT gen_random_uuid(), 'm' || i, kind, 'mem-client-' || i, issuer_client_id, 'active', 0, 1, now() - interval '1 minute'
         FROM credentials, generate_series(1, $1) AS i`,
      [TENANTS - 1],
    );
    let renewed = 0;
    for (let pass = 0; pass < 1000; pass++) {
      const r = await postJson(base, adminKey, '/v1/admin/refresh-runs');
      renewed += Number(r.renewed ?? 0);
      const due = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM credentials WHERE next_attempt_at <= now()`,
      );
      if (Number(due.rows[0]?.n) === 0) break;
      if (Number(r.claimed) === 0) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await sample(`after a sweep that renewed ${renewed}`);
    let next = 0;
    let peak = 0;
    const watcher = setInterval(() => (peak = Math.max(peak, rssMiB(broker.pid))), 250);
    const started = Date.now();
    const result = await autocannon({
      url: base,
      connections: 50,
      amount: 2 * TENANTS,
      requests: [
        {
          method: 'POST',
          headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
          body: '{}',
          // Every tenant in turn: the cache ends up holding a token for each of them.
          setupRequest: (req) => ({ ...req, path: `/v1/tenants/m${next++ % TENANTS}/tokens` }),
        },
      ],
    });
    clearInterval(watcher);
    await sample('right after the load');
    const bareRss = rssMiB(bare.pid);
    console.log(`\nmemory: one replica, ${TENANTS} tenants x 1 client_credentials credential`);
    console.log(
      `load: ${result.requests.total} token requests, each tenant twice, in ${((Date.now() - started) / 1000).toFixed(1)} s (non-2xx ${result.non2xx}); peak RSS during it ${peak.toFixed(0)} MiB`,
    );
    for (const [label, rss, heap] of rows) {
      console.log(
        `${label.padEnd(40)} RSS ${rss.toFixed(0).padStart(4)} MiB   V8 heap used ${heap?.toFixed(0) ?? '?'} MiB`,
      );
    }
    console.log(`baseline: bare Nest+Fastify process (same run), idle: RSS ${bareRss.toFixed(0)} MiB`);
  } finally {
    await db.end().catch(() => undefined);
    broker.kill('SIGTERM');
    bare.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    await fake.close();
    await scratch.drop();
  }
}

await main();
