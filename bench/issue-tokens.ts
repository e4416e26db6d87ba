/**
 * Token issuance on the cache-hit path (audit on), against a bare Nest + Fastify JSON route measured in
 * the same run. Each server runs in its own process; autocannon runs here. Usage: npm run bench:tokens
 * (uses TEST_DATABASE_URL, else DATABASE_URL, for a scratch database it drops afterwards).
 */
import { loadavg } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { ParticleFake } from '../test/support/particle-fake.js';
import {
  auditGroupCommit,
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
import { CEILING_ACTOR } from './bench-audit.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Side {
  name: string;
  url: string;
  pid: number | undefined;
  headers?: Record<string, string>;
}

interface Round {
  first: string;
  load: string;
  results: [name: string, result: LoadResult][];
}
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
  // BENCH_BROKER_MAIN runs another build of the broker (the code before a change, built elsewhere).
  const broker = await startProcess(
    process.env.BENCH_BROKER_MAIN ?? join(root, 'dist', 'main.js'),
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
    // BENCH_PROFILE=dir writes a CPU profile of the broker there (open it in Chrome DevTools);
    // BENCH_NODE_ARGS adds node or V8 flags to the broker's process (an experiment's, say).
    [
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
      ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    ],
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
    // BENCH_CEILING=1: a third side, the bare route plus the broker's audit group commit (bare-audit-server).
    const ceiling = process.env.BENCH_CEILING === '1' ? await startCeiling(dbUrl.toString()) : undefined;
    const sides: Side[] = [
      { name: 'bare Nest+Fastify JSON route', url: `http://127.0.0.1:${barePort}`, pid: bare.pid },
      { name: 'broker POST /v1/tenants/:id/tokens', url: base, pid: broker.pid, headers },
      ...(ceiling
        ? [{ name: 'ceiling: bare + audit group commit', url: ceiling.url, pid: ceiling.child.pid }]
        : []),
    ];
    const run = (side: Side, seconds: number) =>
      load({
        url: `${side.url}/v1/tenants/bench/tokens`,
        body,
        ...(side.headers ? { headers: side.headers } : {}),
        connections: CONNECTIONS,
        seconds,
        serverPid: side.pid,
      });
    // A short warm-up for each, so JIT and pools are in the same state.
    for (const side of sides) await run(side, 2);
    // Each round starts with the next side, so a slow minute of the machine (a VM's neighbours, a build
    // next door) lands on every side in turn rather than on one; each round's ratio is its own pair's.
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const loadAvg = (loadavg()[0] ?? NaN).toFixed(2);
      const results = new Map<Side, LoadResult>();
      for (let j = 0; j < sides.length; j++) {
        const side = sides[(i + j) % sides.length] as Side;
        results.set(side, await run(side, SECONDS));
      }
      rounds.push({
        first: sides[i % sides.length]?.name ?? '',
        load: loadAvg,
        results: sides.map((side) => [side.name, results.get(side) as LoadResult]),
      });
    }
    ceiling?.child.kill('SIGTERM');
    const groupCommit = await auditGroupCommit(base);
    const auditDb = new pg.Client({ connectionString: dbUrl.toString() });
    await auditDb.connect();
    const counted = await auditDb.query<{ n: string }>(
      `SELECT count(*) AS n FROM audit_events WHERE action = 'token.issue' AND actor <> '${CEILING_ACTOR}'`,
    );
    await auditDb.end();
    report(rounds, fake.tokenCalls(), counted.rows[0]?.n ?? '?');
    console.log(`audit group commit over the whole broker process: ${groupCommit}`);
  } finally {
    broker.kill('SIGTERM');
    bare.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    await fake.close();
    await scratch.drop();
  }
}

function report(rounds: Round[], particleCalls: number, auditRows: string): void {
  const cpu = (r: LoadResult) =>
    r.cpuMicrosPerRequest === undefined ? '?' : r.cpuMicrosPerRequest.toFixed(0);
  const row = (name: string, r: LoadResult) =>
    `  ${name.padEnd(36)} ${r.requestsPerSecond.toFixed(0).padStart(8)} ${String(r.p50).padStart(6)} ${String(r.p99).padStart(6)} ${String(r.non2xx).padStart(7)} ${String(r.errors).padStart(6)} ${cpu(r).padStart(8)} ${(r.postgresCpuMicrosPerRequest ?? NaN).toFixed(0).padStart(6)}`;
  console.log(
    `\nissue-tokens: ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s each side, cache-hit path, audit on, node ${process.version}`,
  );
  console.log(
    `${'round / server'.padEnd(38)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(6)} ${'p99 ms'.padStart(6)} ${'non-2xx'.padStart(7)} ${'errors'.padStart(6)} ${'CPU µs/req'.padStart(8)} ${'PG µs'.padStart(6)}`,
  );
  // Ratios to the bare route (the first side) of every other side, per round.
  const ratios = new Map<string, number[]>();
  const cpuRatios = new Map<string, number[]>();
  rounds.forEach((round, i) => {
    console.log(`round ${i + 1} (${round.first} first, load ${round.load})`);
    const [[, bare] = ['', undefined], ...others] = round.results;
    for (const [name, r] of round.results) console.log(row(name, r));
    if (!bare) return;
    for (const [name, r] of others) {
      const ratio = r.requestsPerSecond / bare.requestsPerSecond;
      ratios.set(name, [...(ratios.get(name) ?? []), ratio]);
      if (bare.cpuMicrosPerRequest !== undefined && r.cpuMicrosPerRequest !== undefined) {
        cpuRatios.set(name, [
          ...(cpuRatios.get(name) ?? []),
          r.cpuMicrosPerRequest / bare.cpuMicrosPerRequest,
        ]);
      }
      console.log(`  ratio ${name.split(/[ :]/)[0] ?? name}/bare: ${ratio.toFixed(2)}`);
    }
  });
  for (const [name, values] of ratios) {
    const label = name.split(/[ :]/)[0] ?? name;
    const p99s = rounds.map((r) => r.results.find(([n]) => n === name)?.[1].p99 ?? NaN);
    console.log(
      `ratio ${label}/bare, median of ${values.length}: ${median(values).toFixed(2)}` +
        (label === 'broker' ? ` (target >= ${RATIO_TARGET.toFixed(2)} on this runtime)` : '') +
        `; ${label} p99 median ${median(p99s)} ms; CPU per request ${label}/bare, median ${median(cpuRatios.get(name) ?? []).toFixed(2)}`,
    );
  }
  // The bare route has no database; on one machine PG µs is CPU the broker's run lost to PostgreSQL.
  console.log(
    `token calls at the fake during the run: ${particleCalls} (1 = only the first mint); audit rows for token.issue: ${auditRows}`,
  );
}

async function startCeiling(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = await startProcess(
    join(import.meta.dirname, 'bare-audit-server.js'),
    { PORT: String(port), DATABASE_URL: databaseUrl },
    `http://127.0.0.1:${port}/`,
    process.env.BENCH_PROFILE
      ? ['--cpu-prof', `--cpu-prof-dir=${join(process.env.BENCH_PROFILE, 'ceiling')}`]
      : [],
  );
  return { child, url: `http://127.0.0.1:${port}` };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

await main();
