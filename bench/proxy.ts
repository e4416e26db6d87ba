/**
 * The Particle API proxy and its event-stream hub (design.md §11), in two parts, BENCH_ROUNDS times
 * (default 2), interleaved: (1) a small proxied GET through the broker against a bare @fastify/reply-from
 * forwarder, same run, same fake; (2) one replica fanning 1,000 events/s out to 1,000 SSE subscribers
 * over 10 upstream streams. The fake runs in its own process. BENCH_PART=get|fanout runs one part.
 * Usage: npm run bench:proxy (TEST_DATABASE_URL or DATABASE_URL names a server for a scratch database).
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { CEILING_ACTOR } from './bench-audit.js';
import { startFakeProcess } from './fake-client.js';
import {
  auditGroupCommit,
  garbageCollections,
  benchAdminKey,
  brokerEnv,
  freePort,
  postJson,
  scratchDatabase,
  seedTenant,
  startProcess,
} from './harness.js';
import { measureFanOut, reportFanOut, FANOUT, type FanOutResult } from './proxy-fanout.js';
import { checkSides, measureGet, reportGet, type GetResult, type Side } from './proxy-get.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const PART = process.env.BENCH_PART ?? 'both';
const root = join(import.meta.dirname, '..', '..');
/** BENCH_BROKER_MAIN: another build of the broker (a before/after comparison in one tree). */
const brokerMain = process.env.BENCH_BROKER_MAIN ?? join(root, 'dist', 'main.js');

/** The node or V8 flags an environment variable lists, space-separated. */
const flagsOf = (name: string): string[] => process.env[name]?.split(' ').filter(Boolean) ?? [];

/** SIGTERM, and the exit awaited: the next process measured must not share the cores with a shutdown. */
function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function main(): Promise<void> {
  const scratch = await scratchDatabase();
  const fake = await startFakeProcess();
  const adminKey = benchAdminKey();
  // One environment for every broker of the run (the same encryption key reads the same rows).
  const env = brokerEnv(
    { databaseUrl: scratch.url, particleUrl: fake.url, adminKey },
    {
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      // Checked on every request, set above what the bench sends: the budget and the per-key limit
      // never refuse, so every request is forwarded.
      PARTICLE_API_BUDGET: '100000000',
      RATE_LIMIT_PER_MINUTE: '100000000',
      // 10 streams of one tenant: its share is floor(80 x 0.25) = 20 open at once; the opens budget is
      // raised so that rounds within 5 minutes (10 opens each) are not refused.
      PARTICLE_STREAM_LIMIT: '80',
      PARTICLE_TENANT_SHARE: '0.25',
      PARTICLE_STREAM_OPEN_BUDGET: '1000',
    },
  );
  const startBroker = async (): Promise<{ child: ChildProcess; base: string }> => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = await startProcess(
      brokerMain,
      { ...env, PORT: String(port) },
      `${base}/health/ready`,
      // BENCH_PROFILE=dir: a V8 CPU profile of each broker there (profile-summary.js reads one);
      // BENCH_NODE_ARGS: node or V8 flags for the brokers (an experiment's).
      [
        ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
        ...flagsOf('BENCH_NODE_ARGS'),
      ],
    );
    return { child, base };
  };
  /** bare-forwarder.ts as `name` (its profile in BENCH_PROFILE/name); with `env.DATABASE_URL`, the ceiling. */
  const startForwarder = async (name: string, env: Record<string, string> = {}): Promise<Side> => {
    const port = await freePort();
    const child = await startProcess(
      join(import.meta.dirname, 'bare-forwarder.js'),
      { PORT: String(port), PARTICLE_API_URL: fake.url, BARE_TOKEN: fake.token, ...env },
      `http://127.0.0.1:${port}/`,
      // BENCH_BARE_NODE_ARGS: node or V8 flags for the bare forwarder and the ceiling (the broker's own
      // --no-allocation-site-pretenuring, for a comparison of like with like).
      [
        ...(process.env.BENCH_PROFILE
          ? ['--cpu-prof', `--cpu-prof-dir=${join(process.env.BENCH_PROFILE, name)}`]
          : []),
        ...flagsOf('BENCH_BARE_NODE_ARGS'),
      ],
    );
    return { name, child, base: `http://127.0.0.1:${port}`, headers: {} };
  };
  const bare = await startForwarder('bare');
  let ceiling: Side | undefined;
  const getBroker = await startBroker();
  const gets: GetResult[] = [];
  const fanOuts: FanOutResult[] = [];
  try {
    await seedTenant(getBroker.base, adminKey, 'bench');
    const key = await postJson(getBroker.base, adminKey, '/v1/api-keys', {
      name: 'bench-proxy',
      role: 'proxy',
      tenants: ['bench'],
    });
    const proxyKey = String(key.key);
    const broker: Side = {
      name: 'broker',
      child: getBroker.child,
      base: getBroker.base,
      headers: { authorization: `Bearer ${proxyKey}` },
    };
    // BENCH_CEILING=1: the bare forwarder plus the broker's audit row (bare-forwarder.ts), on the
    // broker's database, migrated by now.
    if (process.env.BENCH_CEILING === '1') {
      ceiling = await startForwarder('ceiling', { DATABASE_URL: scratch.url });
    }
    await checkSides([bare, broker, ...(ceiling ? [ceiling] : [])]);
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`\n--- round ${round} of ${ROUNDS}`);
      if (PART !== 'fanout') {
        const r = await measureGet(fake, bare, broker, round % 2 === 1, ceiling);
        gets.push(r);
        reportGet(r);
      }
      if (PART !== 'get') {
        // A fresh replica for each fan-out, so its RSS is the hub's, not what the GET runs left.
        const replica = await startBroker();
        try {
          const r = await measureFanOut(fake, replica.child, replica.base, proxyKey);
          fanOuts.push(r);
          reportFanOut(r);
        } finally {
          await stop(replica.child);
        }
      }
    }
    await summary(scratch.url, getBroker.base, gets, fanOuts);
  } finally {
    await stop(getBroker.child);
    await stop(bare.child);
    if (ceiling) await stop(ceiling.child);
    await fake.stop();
    await scratch.drop();
  }
}

async function summary(
  dbUrl: string,
  brokerBase: string,
  gets: GetResult[],
  fanOuts: FanOutResult[],
): Promise<void> {
  const groupCommit = await auditGroupCommit(brokerBase);
  const collections = await garbageCollections(brokerBase);
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  const audited = await db.query<{ action: string; n: string }>(
    `SELECT action, count(*) AS n FROM audit_events WHERE action LIKE 'proxy.%' AND actor <> $1 GROUP BY action ORDER BY action`,
    [CEILING_ACTOR],
  );
  await db.end();
  console.log(`\nsummary over ${ROUNDS} round(s)`);
  if (gets.length > 0) {
    const ratios = gets.map((g) => (g.broker.requestsPerSecond / g.bare.requestsPerSecond).toFixed(2));
    const answered = gets.reduce((sum, g) => sum + g.broker.requests, 0);
    console.log(`proxied GET ratio broker/bare per round: ${ratios.join(', ')} (target >= 0.70)`);
    const ceilings = gets.flatMap((g) =>
      g.ceiling ? [(g.ceiling.requestsPerSecond / g.bare.requestsPerSecond).toFixed(2)] : [],
    );
    if (ceilings.length > 0) console.log(`ratio ceiling/bare per round: ${ceilings.join(', ')}`);
    console.log(`broker requests answered in the measured runs: ${answered} (plus warm-ups)`);
  }
  if (fanOuts.length > 0) {
    const p99s = fanOuts.map((f) => f.delay.p99.toFixed(1));
    const rss = fanOuts.map((f) => f.rssPeak.toFixed(0));
    const lost = fanOuts.map((f) => f.expected - f.delivered);
    console.log(
      `fan-out (${FANOUT.subscribers} x ${FANOUT.rate}/s): p99 ${p99s.join(', ')} ms (target < 50); peak RSS ${rss.join(', ')} MiB (target < 300); lost ${lost.join(', ')}`,
    );
  }
  console.log(`audit rows: ${audited.rows.map((r) => `${r.action} ${r.n}`).join(', ') || 'none'}`);
  console.log(`audit group commit of the GET broker: ${groupCommit}`);
  console.log(`garbage collections of the GET broker, warm-ups included: ${collections}`);
}

await main();
