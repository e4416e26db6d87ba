import { ChildProcess, spawn } from 'node:child_process';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { freePort } from '../src/common/free-port.js';

export { freePort };

let stdoutFd: number | undefined;
function benchStdout(): 'ignore' | number {
  const file = process.env.BENCH_STDOUT;
  if (!file) return 'ignore';
  stdoutFd ??= openSync(file, 'a');
  return stdoutFd;
}

/** Starts a node script as its own process (its own core) and waits until `ready` answers 200. */
export async function startProcess(
  script: string,
  env: Record<string, string>,
  readyUrl: string,
  nodeArgs: string[] = [],
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: { ...process.env, ...env },
    // BENCH_STDOUT=file: every process's stdout appended there (logs, V8's --trace-gc lines).
    stdio: ['ignore', benchStdout(), 'inherit'],
  });
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(readyUrl).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${script} did not start`);
}

/** The bare Nest+Fastify process (`bare-server.ts`) the benches compare the broker with. */
export async function startBareServer(
  nodeArgs: string[] = [],
): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = await startProcess(
    join(import.meta.dirname, 'bare-server.js'),
    { PORT: String(port) },
    `http://127.0.0.1:${port}/`,
    nodeArgs,
  );
  return { child, port };
}

/** A bootstrap admin key of the broker's own format, new for each run. */
export function benchAdminKey(): string {
  return `bench_admin_${randomBytes(16).toString('hex')}`;
}

/**
 * What every bench starts a broker with: its scratch database, a fresh encryption key, the run's admin
 * key and the Particle fake, with the cron off (a bench runs sweeps itself); `extra` adds or overrides.
 */
export function brokerEnv(
  base: { databaseUrl: string; particleUrl: string; adminKey: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: base.databaseUrl,
    BROKER_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    BROKER_BOOTSTRAP_ADMIN_KEY: base.adminKey,
    PARTICLE_API_URL: base.particleUrl,
    REFRESH_CRON: 'off',
    ...extra,
  };
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. The
 * CPU time per request is steadier than req/s when other work shares the machine.
 */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of every process named `postgres` on this machine (the server, when it is local), for the
 * database's share of a run: on one machine it takes cores from the server and the load generator.
 * Includes whatever else that server does meanwhile; undefined when none can be read.
 */
export function postgresCpuSeconds(): number | undefined {
  let total: number | undefined;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let comm: string;
      try {
        comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      } catch {
        continue; // gone meanwhile
      }
      if (comm !== 'postgres') continue;
      const cpu = cpuSeconds(Number(entry));
      if (cpu !== undefined) total = (total ?? 0) + cpu;
    }
  } catch {
    return undefined;
  }
  return total;
}

export interface LoadResult {
  requestsPerSecond: number;
  /** Requests answered in the run. */
  requests: number;
  /** CPU time of the server process per request, in microseconds (when its pid was given, on Linux). */
  cpuMicrosPerRequest: number | undefined;
  /** CPU time of local PostgreSQL processes per request during the run, in microseconds (Linux). */
  postgresCpuMicrosPerRequest: number | undefined;
  /** Of each of `alsoPids`, the same. */
  alsoCpuMicrosPerRequest: Record<string, number | undefined>;
  /** Of this process (autocannon), the same. */
  loadCpuMicrosPerRequest: number | undefined;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export async function load(options: {
  url: string;
  /** POST unless told otherwise; a GET sends no body. */
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  connections?: number;
  seconds?: number;
  /** The server's pid, to measure its CPU time per request. */
  serverPid?: number | undefined;
  /** Other processes the requests cost CPU in (an upstream the server forwards to), by name. */
  alsoPids?: Record<string, number | undefined>;
}): Promise<LoadResult> {
  const cpuBefore = cpuSeconds(options.serverPid);
  const pgBefore = postgresCpuSeconds();
  const alsoBefore = Object.entries(options.alsoPids ?? {}).map(
    ([name, pid]) => [name, pid, cpuSeconds(pid)] as const,
  );
  const selfBefore = process.cpuUsage();
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'POST',
    ...(options.body === undefined
      ? { headers: { ...options.headers } }
      : { body: options.body, headers: { 'content-type': 'application/json', ...options.headers } }),
    connections: options.connections ?? 100,
    duration: options.seconds ?? 10,
  });
  const cpuAfter = cpuSeconds(options.serverPid);
  const pgAfter = postgresCpuSeconds();
  const self = process.cpuUsage(selfBefore);
  const requests = result.requests.total;
  const perRequest = (before: number | undefined, after: number | undefined) =>
    before !== undefined && after !== undefined && requests > 0
      ? ((after - before) * 1e6) / requests
      : undefined;
  return {
    alsoCpuMicrosPerRequest: Object.fromEntries(
      alsoBefore.map(([name, pid, before]) => [name, perRequest(before, cpuSeconds(pid))]),
    ),
    loadCpuMicrosPerRequest: requests > 0 ? (self.user + self.system) / requests : undefined,
    requestsPerSecond: result.requests.average,
    requests,
    cpuMicrosPerRequest:
      cpuBefore !== undefined && cpuAfter !== undefined && requests > 0
        ? ((cpuAfter - cpuBefore) * 1e6) / requests
        : undefined,
    postgresCpuMicrosPerRequest:
      pgBefore !== undefined && pgAfter !== undefined && requests > 0
        ? ((pgAfter - pgBefore) * 1e6) / requests
        : undefined,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A database the benchmark may fill and drop, on TEST_DATABASE_URL's (or DATABASE_URL's) server. */
export async function scratchDatabase(): Promise<ScratchDatabase> {
  const server = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!server) throw new Error('set TEST_DATABASE_URL (or DATABASE_URL) to a PostgreSQL server');
  const name = `broker_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** node:http rather than fetch: a sweep of thousands can outlast fetch's 5-minute header timeout. */
export function postJson(
  base: string,
  key: string,
  path: string,
  body: unknown = {},
): Promise<Record<string, unknown>> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(JSON.parse(text || '{}') as Record<string, unknown>));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The product client every bench registers, at the fake and at the broker. */
export const BENCH_CLIENT = {
  id: 'bench-prod',
  secret: 'bench-secret',
  kind: 'product',
  productId: 1,
} as const;

/**
 * A tenant, the bench's product client (the tenant's own) and one client_credentials credential (minted
 * at once), through the API.
 */
export async function seedTenant(base: string, adminKey: string, tenantId: string): Promise<void> {
  await postJson(base, adminKey, '/v1/tenants', { id: tenantId, name: tenantId });
  await postJson(base, adminKey, '/v1/oauth-clients', {
    id: BENCH_CLIENT.id,
    tenant_id: tenantId,
    client_id: BENCH_CLIENT.id,
    client_secret: BENCH_CLIENT.secret,
    type: 'installed',
    product_id: String(BENCH_CLIENT.productId),
  });
  await postJson(base, adminKey, `/v1/tenants/${tenantId}/credentials`, {
    kind: 'client_credentials',
    oauth_client_id: BENCH_CLIENT.id,
  });
}

/** A broker's `/metrics`, read by name: one sample's value (labels written as in the text), NaN if absent. */
async function brokerMetrics(base: string): Promise<(name: string) => number> {
  const text = await fetch(`${base}/metrics`).then((r) => r.text());
  return (name) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return Number(line?.slice(name.length + 1) ?? NaN);
  };
}

/** The audit group commit's totals from a broker's `/metrics`: events, INSERTs, rows per INSERT. */
export async function auditGroupCommit(base: string): Promise<string> {
  const metric = await brokerMetrics(base);
  const inserts = metric('broker_audit_insert_statements_total');
  const events = metric('broker_audit_events_total');
  return `${events} events in ${inserts} INSERTs (${(events / inserts).toFixed(1)} rows per INSERT)`;
}

/** The garbage collector's work over a broker's life so far, by kind: collections and seconds. */
export async function garbageCollections(base: string): Promise<string> {
  const metric = await brokerMetrics(base);
  return ['minor', 'major', 'incremental']
    .map((kind) => {
      const count = metric(`nodejs_gc_duration_seconds_count{kind="${kind}"}`);
      const sum = metric(`nodejs_gc_duration_seconds_sum{kind="${kind}"}`);
      return `${kind} ${Number.isNaN(count) ? 0 : count} (${(Number.isNaN(sum) ? 0 : sum).toFixed(2)} s)`;
    })
    .join(', ');
}
