/**
 * Webhook delivery throughput: BENCH_EVENTS (10,000) deliveries to ENDPOINTS endpoints on a local
 * receiver, delivered by two broker processes together (claims with leases, signing, an outcome row per
 * attempt), against a bare sender loop in the same run: plain fetch of a body of the same size, at the
 * brokers' concurrency (16 per replica), to the same receiver. Prints both rates, their ratio, and
 * whether every event arrived (distinct webhook-ids), in order within each ordering key, and every delivery
 * ended `delivered`, and how many connections the receiver accepted in each phase (keep-alive).
 * Usage: npm run bench:webhooks (TEST_DATABASE_URL or DATABASE_URL names a server for a scratch database).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import {
  benchAdminKey,
  brokerEnv,
  cpuSeconds,
  freePort,
  postgresCpuSeconds,
  postJson,
  scratchDatabase,
  startProcess,
} from './harness.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const ENDPOINTS = 10;
const REPLICAS = 2;
const PER_REPLICA = 16;
const STALL_MS = 30_000;
const root = join(import.meta.dirname, '..', '..');

async function main(): Promise<void> {
  const db = await scratchDatabase();
  const adminKey = benchAdminKey();
  const ids = new Set<string>();
  let received = 0;
  let connections = 0;
  // Per ordering key, the highest sequence number received: an event arriving after a later one of its
  // key is out of order (a repeat of one already received is a duplicate, not a reordering).
  const lastOfKey = new Map<string, number>();
  let outOfOrder = 0;
  const receiver = createServer((req, res) => {
    const id = req.headers['webhook-id'];
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received++;
      const fresh = typeof id === 'string' && !ids.has(id);
      if (typeof id === 'string') ids.add(id);
      const { data } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        data: { key?: string; seq?: number };
      };
      if (fresh && data.key !== undefined && data.seq !== undefined) {
        if ((lastOfKey.get(data.key) ?? -1) > data.seq) outOfOrder++;
        else lastOfKey.set(data.key, data.seq);
      }
      res.writeHead(200).end('ok');
    });
  });
  receiver.on('connection', () => connections++);
  // Resolves once every id of the phase has arrived; fails when none arrives for STALL_MS.
  const allReceived = async (): Promise<void> => {
    let seen = -1;
    let since = performance.now();
    while (ids.size < EVENTS) {
      await new Promise((r) => setTimeout(r, 10));
      if (ids.size !== seen) [seen, since] = [ids.size, performance.now()];
      else if (performance.now() - since > STALL_MS) throw new Error(`stalled at ${seen} of ${EVENTS} ids`);
    }
  };
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const env = brokerEnv(
    { databaseUrl: db.url, particleUrl: 'http://127.0.0.1:9', adminKey },
    { LOG_LEVEL: 'warn' },
  );
  const brokers = [];
  try {
    for (let i = 0; i < REPLICAS; i++) {
      const port = await freePort();
      const child = await startProcess(
        join(root, 'dist', 'main.js'),
        { ...env, PORT: String(port) },
        `http://127.0.0.1:${port}/health/ready`,
        // BENCH_PROFILE=dir: a CPU profile of each replica there, written when it exits.
        process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [],
      );
      brokers.push({ child, base: `http://127.0.0.1:${port}` });
    }
    const endpoints: string[] = [];
    for (let i = 0; i < ENDPOINTS; i++) {
      const created = await postJson(brokers[0]!.base, adminKey, '/v1/webhooks', { url: `${hook}/${i}` });
      endpoints.push(created.id as string);
    }

    // Bare: the same number of POSTs of the same size at the same concurrency, no claim, no signature.
    const body = JSON.stringify({
      type: 'webhook.test',
      timestamp: new Date().toISOString(),
      data: { key: 'k999', seq: 9999 },
    });
    let next = 0;
    const selfBefore = process.cpuUsage();
    const bareStart = performance.now();
    await Promise.all(
      Array.from({ length: REPLICAS * PER_REPLICA }, async () => {
        while (next < EVENTS) {
          const n = next++;
          await fetch(`${hook}/${n % ENDPOINTS}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'webhook-id': `bare-${n}` },
            body,
          }).then((r) => r.text());
        }
      }),
    );
    const bareSeconds = (performance.now() - bareStart) / 1000;
    const bareSelf = process.cpuUsage(selfBefore);
    const bareConnections = connections;
    ids.clear();
    lastOfKey.clear();
    received = 0;
    connections = 0;

    // Broker: every event queued in one statement (1,000 ordering keys, as of that many credentials),
    // timed from its commit to the last delivery's outcome row.
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    const cpuBefore = brokers.map((b) => cpuSeconds(b.child.pid) ?? 0);
    const pgBefore = postgresCpuSeconds();
    const statsBefore = await databaseWork(sql);
    const receiverBefore = process.cpuUsage();
    await sql.query(
      `SELECT webhook_enqueue('webhook.test', NULL, 'k' || (i % 1000),
                             jsonb_build_object('key', 'k' || (i % 1000), 'seq', i), NULL, ($1::uuid[])[1 + i % $2])
         FROM generate_series(0, $3 - 1) AS i`,
      [endpoints, ENDPOINTS, EVENTS],
    );
    const start = performance.now();
    // The receiver's count, not the table's, until every id has arrived: a count(*) over the whole
    // deliveries table every few ms is PostgreSQL work the bare phase does not pay. Then the rows are read
    // until every outcome has committed (the last group commits trail the last receipt by a round trip).
    await allReceived();
    let pending = EVENTS;
    for (let polls = 0; pending > 0; polls++) {
      if (polls > 0) await new Promise((r) => setTimeout(r, 5));
      const { rows } = await sql.query<{ n: string }>(
        `SELECT count(*) AS n FROM webhook_deliveries WHERE state <> 'delivered'`,
      );
      pending = Number(rows[0]?.n);
      if (polls > 2000) throw new Error(`${pending} deliveries not delivered 10 s after the last receipt`);
    }
    const brokerSeconds = (performance.now() - start) / 1000;
    const cpu = brokers.reduce((s, b, i) => s + ((cpuSeconds(b.child.pid) ?? 0) - (cpuBefore[i] ?? 0)), 0);
    const pgAfter = postgresCpuSeconds();
    const receiverCpu = process.cpuUsage(receiverBefore);
    // The statistics of the brokers' last transactions reach the views when their backends report them.
    await new Promise((r) => setTimeout(r, 1500));
    const work = subtractWork(await databaseWork(sql), statsBefore);
    await sql.end();

    const bareRate = EVENTS / bareSeconds;
    const brokerRate = EVENTS / brokerSeconds;
    console.log(
      `webhook-delivery: ${EVENTS} deliveries, ${ENDPOINTS} endpoints, ${REPLICAS} replicas x ${PER_REPLICA} in flight`,
    );
    console.log(
      `bare fetch loop (same concurrency)   ${bareRate.toFixed(0).padStart(7)} /s  (${bareSeconds.toFixed(2)} s)`,
    );
    console.log(
      `broker outbox, 2 replicas            ${brokerRate.toFixed(0).padStart(7)} /s  (${brokerSeconds.toFixed(2)} s, ${((cpu * 1e6) / EVENTS).toFixed(0)} µs CPU per delivery, both replicas)`,
    );
    // On one machine every process here shares its cores: what a delivery costs in all of them together.
    const us = (c: NodeJS.CpuUsage) => (c.user + c.system) / EVENTS;
    const pgUs =
      pgBefore !== undefined && pgAfter !== undefined ? ((pgAfter - pgBefore) * 1e6) / EVENTS : undefined;
    console.log(
      `CPU µs per delivery: bare loop (client and receiver) ${us(bareSelf).toFixed(0)}; broker phase: brokers ${((cpu * 1e6) / EVENTS).toFixed(0)}, receiver and bench ${us(receiverCpu).toFixed(0)}, local PostgreSQL ${pgUs === undefined ? 'n/a' : pgUs.toFixed(0)} (all its work meanwhile)`,
    );
    console.log(`ratio broker/bare: ${(brokerRate / bareRate).toFixed(2)} (target >= 0.70)`);
    console.log(
      `received ${received} requests, ${ids.size} distinct webhook-ids of ${EVENTS}: ${ids.size === EVENTS ? 'none lost' : 'EVENTS LOST'}; duplicates ${received - ids.size}; out of key order ${outOfOrder}`,
    );
    console.log(
      `scratch database, broker phase: ${(work.commits / EVENTS).toFixed(2)} transactions per delivery; webhook_deliveries: ${work.seqScans} sequential scans (${work.seqRows} rows read), ${work.indexScans} index scans`,
    );
    console.log(`receiver connections: bare ${bareConnections}, brokers ${connections}`);
  } finally {
    for (const b of brokers) b.child.kill('SIGTERM');
    await Promise.all(brokers.map((b) => new Promise((r) => b.child.once('exit', r))));
    receiver.closeAllConnections();
    receiver.close();
    await db.drop();
  }
}

interface DatabaseWork {
  commits: number;
  seqScans: number;
  seqRows: number;
  indexScans: number;
}

/**
 * The scratch database's own counters: unlike the CPU of every `postgres` process, other people's work on
 * the same server does not show here, so they say what the brokers asked of PostgreSQL however loaded.
 */
async function databaseWork(sql: pg.Client): Promise<DatabaseWork> {
  const { rows } = await sql.query<Record<keyof DatabaseWork, string>>(
    `SELECT d.xact_commit AS commits, t.seq_scan AS "seqScans", t.seq_tup_read AS "seqRows",
            coalesce(t.idx_scan, 0) AS "indexScans"
       FROM pg_stat_database d, pg_stat_user_tables t
      WHERE d.datname = current_database() AND t.relname = 'webhook_deliveries'`,
  );
  const r = rows[0];
  return {
    commits: Number(r?.commits),
    seqScans: Number(r?.seqScans),
    seqRows: Number(r?.seqRows),
    indexScans: Number(r?.indexScans),
  };
}

function subtractWork(a: DatabaseWork, b: DatabaseWork): DatabaseWork {
  return {
    commits: a.commits - b.commits,
    seqScans: a.seqScans - b.seqScans,
    seqRows: a.seqRows - b.seqRows,
    indexScans: a.indexScans - b.indexScans,
  };
}

await main();
