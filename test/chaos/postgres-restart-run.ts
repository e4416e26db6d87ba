import { ParticleFake } from '../support/particle-fake.js';
import { startScratchPostgres } from '../support/scratch-postgres.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { createServiceKey, Replica, sleep, startReplicas, stopReplicas, waitUntil } from './replicas.js';
import { byStatus, TokenSample, TokenTraffic } from './token-traffic.js';

export interface RestartOptions {
  tenants: number;
  callers: number;
  downSeconds: number;
  timeoutMs: number;
  /** Generous bound for "ready again by itself" after the database is back. */
  recoveryBoundMs: number;
}

export interface HealthProbe {
  replica: string;
  ready: number;
  live: number;
}

export interface RestartReport {
  credentialsBefore: number;
  credentialsAfter: number;
  tokensIssuedAfter: number;
  requestsBefore: number;
  outage: {
    requests: number;
    served: number;
    status503: number;
    byStatus: Record<string, number>;
    slowestMs: number;
  };
  unclean: TokenSample[];
  /** Health answers sampled while the database was down, after every replica had noticed. */
  healthWhileDown: HealthProbe[];
  /** Per replica, from the database being back to /health/ready answering 200. */
  recoveryMs: Record<string, number>;
  requestsAfter: number;
  servedAfter: number;
  evictedOnOtherReplica: boolean;
  crashed: string[];
}

const status = (url: string): Promise<number> =>
  fetch(url, { signal: AbortSignal.timeout(5000) }).then(
    (r) => r.status,
    () => 0,
  );

async function tokenFor(replica: Replica, key: string, tenant: string, minTtl: number): Promise<string> {
  const res = await replica.call<{ access_token: string }>('POST', `/v1/tenants/${tenant}/tokens`, {
    key,
    body: { min_ttl_seconds: minTtl },
  });
  if (res.status !== 200) throw new Error(`token via ${replica.name}: ${res.status} ${res.text}`);
  return res.body.access_token;
}

/**
 * Two replicas on a PostgreSQL of their own; callers ask for tokens in a loop while the server is stopped
 * (fast shutdown: every session cut) and, some seconds later, started again on the same port.
 */
export async function runPostgresRestart(o: RestartOptions): Promise<RestartReport> {
  const db = await startScratchPostgres();
  const fake = await ParticleFake.start({ tokenBudget: 100_000 });
  let replicas: Replica[] = [];
  let traffic: TokenTraffic | undefined;
  try {
    replicas = await startReplicas(2, {
      DATABASE_URL: db.url,
      PARTICLE_API_URL: fake.url,
      PARTICLE_TIMEOUT_MS: String(o.timeoutMs),
      PARTICLE_TOKEN_BUDGET: '100000',
      // The cron keeps sweeping through the outage: its failures must not take a replica down either.
      REFRESH_CRON: '*/2 * * * * *',
    });
    const [a, b] = replicas as [Replica, Replica];
    const tenants = Array.from({ length: o.tenants }, (_, i) => `pg-restart-${i}`);
    for (const id of tenants) await tenantWithProductClient(a.call, fake, id);
    const key = await createServiceKey(a.call);
    for (const r of replicas) for (const t of tenants) await tokenFor(r, key, t, 60);
    const count = async (): Promise<number> =>
      Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM credentials'))[0]?.n);
    const credentialsBefore = await count();

    traffic = new TokenTraffic({
      replicas: () => replicas,
      tenants,
      key,
      callers: o.callers,
      minTtlSeconds: 60,
      hangMs: o.timeoutMs + 10_000,
    });
    traffic.start();
    await sleep(2000);

    const downAt = Date.now();
    await db.stop();
    // Each replica notices at its next probe; then every probe until the restart must say not ready.
    const noticed = await waitUntil(
      async () =>
        (await Promise.all(replicas.map((r) => status(`${r.url}/health/ready`)))).every((s) => s === 503),
      10_000,
    );
    if (!noticed) throw new Error('a replica still reported ready 10 s after the database stopped');
    const healthWhileDown: HealthProbe[] = [];
    while (Date.now() < downAt + o.downSeconds * 1000) {
      for (const r of replicas) {
        const [ready, live] = await Promise.all([
          status(`${r.url}/health/ready`),
          status(`${r.url}/health/live`),
        ]);
        healthWhileDown.push({ replica: r.name, ready, live });
      }
      await sleep(250);
    }
    await db.start();
    const upAt = Date.now();
    const recoveryMs: Record<string, number> = {};
    await Promise.all(
      replicas.map(async (r) => {
        const ok = await waitUntil(
          async () => (await status(`${r.url}/health/ready`)) === 200,
          o.recoveryBoundMs,
        );
        if (ok) recoveryMs[r.name] = Date.now() - upAt;
      }),
    );
    // Let the callers see the recovered service for a while.
    await sleep(3000);
    await traffic.stop();
    const samples = traffic.samples;
    const outage = traffic.between(downAt, upAt);
    const after = traffic.between(upAt + Math.max(0, ...Object.values(recoveryMs)), Infinity);

    const evictedOnOtherReplica = await evictionWorks(db, a, b, key, tenants[0] ?? '');
    const tokensIssuedAfter = await issueEverywhere(replicas, key, tenants);
    return {
      credentialsBefore,
      credentialsAfter: await count(),
      tokensIssuedAfter,
      requestsBefore: traffic.between(0, downAt).length,
      outage: {
        requests: outage.length,
        served: outage.filter((s) => s.status === 200).length,
        status503: outage.filter((s) => s.status === 503).length,
        byStatus: byStatus(outage),
        slowestMs: Math.max(0, ...outage.map((s) => s.ms)),
      },
      unclean: samples.filter((s) => !s.clean && s.at < upAt),
      healthWhileDown,
      recoveryMs,
      requestsAfter: after.length,
      servedAfter: after.filter((s) => s.status === 200).length,
      evictedOnOtherReplica,
      crashed: replicas
        .filter((r) => !r.alive())
        .map((r) => `${r.name}:\n${r.process.output().slice(-3000)}`),
    };
  } finally {
    await traffic?.stop();
    await stopReplicas(replicas);
    await fake.close();
    await db.destroy();
  }
}

/**
 * A renewal through replica A must evict replica B's cached token through LISTEN/NOTIFY, now that both
 * listeners have reconnected (the 60 s re-read would hide a dead listener, so B is asked at once).
 */
async function evictionWorks(
  db: Awaited<ReturnType<typeof startScratchPostgres>>,
  a: Replica,
  b: Replica,
  key: string,
  tenant: string,
): Promise<boolean> {
  const listening = await waitUntil(async () => {
    const rows = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'particle-token-broker-listen'`,
    );
    return Number(rows[0]?.n) === 2;
  }, 15_000);
  if (!listening) return false;
  // A reconnecting listener drops its whole cache; from here on B's entry is the one to watch.
  const cachedOnB = await tokenFor(b, key, tenant, 60);
  if ((await tokenFor(b, key, tenant, 60)) !== cachedOnB) return false;
  await sleep(1100); // the fresh token must be at least a second old for the next call to need a new one
  const renewedOnA = await tokenFor(a, key, tenant, 3599);
  if (renewedOnA === cachedOnB) return false;
  return waitUntil(async () => (await tokenFor(b, key, tenant, 60)) === renewedOnA, 3000, 50);
}

/** Every credential still decrypts: each replica issues a token for each tenant. */
async function issueEverywhere(
  replicas: readonly Replica[],
  key: string,
  tenants: readonly string[],
): Promise<number> {
  let issued = 0;
  for (const r of replicas) {
    for (const t of tenants) {
      const res = await r.call('POST', `/v1/tenants/${t}/tokens`, { key, body: { min_ttl_seconds: 60 } });
      if (res.status === 200) issued++;
    }
  }
  return issued;
}
