import { createTestDatabase } from '../support/database.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import {
  createServiceKey,
  forEachLimited,
  Replica,
  sleep,
  startReplicas,
  stopReplicas,
  waitUntil,
} from './replicas.js';
import { byStatus, TokenSample, TokenTraffic } from './token-traffic.js';

export interface KillOptions {
  /**
   * SIGKILL: the replica dies holding leases. SIGSTOP: it freezes (a stalled VM, a long GC pause) past its
   * leases, the survivors renew its credentials, then it resumes (SIGCONT) with its stale batch in hand.
   */
  signal: 'SIGKILL' | 'SIGSTOP';
  replicas: number;
  credentials: number;
  concurrency: number;
  /** Added to every Particle token call, so that a sweep takes a while. */
  particleLatencyMs: number;
  timeoutMs: number;
  tokenTtlSeconds: number;
}

interface Row {
  id: string;
  tenant_id: string;
  oauth_client_id: string;
  version: number;
  status: string;
  lease_owner: string | null;
  access_expires_at: Date | null;
  last_renewed_at: Date | null;
}

export interface KillReport {
  credentials: number;
  credentialsAfter: number;
  victim: string;
  /** Leases the killed replica held at the kill (claimed, not yet written back). */
  leasesHeldAtKill: number;
  /** Renewals (by any replica) written before the kill. */
  renewedBeforeKill: number;
  /** From the kill until every credential was fresh again (includes waiting out the lease). */
  recoveredAfterMs: number;
  /** Credentials whose version moved by exactly one: renewed once, never overwritten by a stale writer. */
  renewedExactlyOnce: number;
  notFresh: string[];
  /** Particle token calls beyond one per credential: the victim's renewals in flight when it died. */
  extraParticleMints: number;
  /** SIGSTOP only: Particle token calls the frozen replica made after it resumed (its stale batch). */
  mintsAfterResume: number | null;
  tokensIssuedAfter: number;
  tokensValidAtParticle: number;
  traffic: { requests: number; ok: number; byStatus: Record<string, number> };
  failedCalls: TokenSample[];
  survivorsAlive: boolean;
}

const DUE_SQL = `SELECT count(*) AS n FROM credentials WHERE next_attempt_at <= now() OR lease_owner IS NOT NULL`;

/**
 * Several replicas sweep a few hundred due credentials with a slow Particle; one is killed with SIGKILL
 * while it holds leases. The survivors must take over once the leases run out, and keep serving tokens.
 */
export async function runKillMidRenewal(o: KillOptions): Promise<KillReport> {
  const db = await createTestDatabase();
  const fake = await ParticleFake.start({ tokenBudget: 100_000 });
  let replicas: Replica[] = [];
  let traffic: TokenTraffic | undefined;
  try {
    replicas = await startReplicas(o.replicas, {
      DATABASE_URL: db.url,
      PARTICLE_API_URL: fake.url,
      PARTICLE_TIMEOUT_MS: String(o.timeoutMs),
      PARTICLE_TOKEN_BUDGET: '100000',
      TOKEN_TTL_SECONDS: String(o.tokenTtlSeconds),
      REFRESH_CONCURRENCY: String(o.concurrency),
      REFRESH_CRON: '*/2 * * * * *',
    });
    const first = replicas[0] as Replica;
    const tenants = Array.from({ length: o.credentials }, (_, i) => `kill-${i}`);
    await forEachLimited(
      tenants,
      6,
      async (id) => void (await tenantWithProductClient(first.call, fake, id)),
    );
    const key = await createServiceKey(first.call);
    const before = new Map(
      (await db.query<Row>('SELECT id, version FROM credentials')).map((r) => [r.id, r.version]),
    );
    const mintsBefore = fake.tokenCalls();

    // The victim is a replica caught holding a batch of leases mid-sweep; until then callers use them all.
    let victim: Replica | undefined;
    const others = (): Replica[] => replicas.filter((r) => r !== victim);
    traffic = new TokenTraffic({
      replicas: others,
      tenants,
      key,
      callers: 4,
      minTtlSeconds: 60,
      hangMs: o.timeoutMs + 10_000,
    });
    traffic.start();

    fake.injectFault({ kind: 'slow', ms: o.particleLatencyMs }, { path: '/oauth/token' });
    const startedAt = new Date();
    await db.query('UPDATE credentials SET next_attempt_at = now()');
    const leasedBy = async (r: Replica): Promise<number> =>
      Number(
        (
          await db.query<{ n: string }>(
            `SELECT count(*) AS n FROM credentials WHERE lease_owner LIKE '%' || $1 || '%'`,
            [`:${r.pid}:`],
          )
        )[0]?.n,
      );
    const renewedSince = async (): Promise<number> =>
      Number(
        (
          await db.query<{ n: string }>(`SELECT count(*) AS n FROM credentials WHERE last_renewed_at >= $1`, [
            startedAt,
          ])
        )[0]?.n,
      );
    // Mid-renewal: the victim holds a batch of leases and renewals are already landing.
    const midway = await waitUntil(
      async () => {
        if ((await renewedSince()) < o.concurrency) return false;
        for (const r of replicas) if ((await leasedBy(r)) >= o.concurrency * 2) victim = r;
        return victim !== undefined;
      },
      30_000,
      50,
    );
    if (!midway || !victim) throw new Error('no replica held a batch of leases mid-sweep');
    const lost: Replica = victim;
    const survivors = others();
    lost.process.child.kill(o.signal);
    const killedAt = Date.now();
    if (o.signal === 'SIGKILL') await lost.process.exited;
    const leasesHeldAtKill = await leasedBy(lost);
    const renewedBeforeKill = Number(
      (
        await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM audit_events WHERE action = 'credential.renew' AND outcome = 'success' AND at >= $1`,
          [startedAt],
        )
      )[0]?.n,
    );

    // The lease is PARTICLE_TIMEOUT_MS * 3 + 30 s; give it that, a sweep, and a generous margin.
    const done = await waitUntil(
      async () => Number((await db.query<{ n: string }>(DUE_SQL))[0]?.n) === 0,
      o.timeoutMs * 3 + 30_000 + 60_000,
      500,
    );
    const recoveredAfterMs = Date.now() - killedAt;
    if (!done) throw new Error(`credentials still due ${recoveredAfterMs} ms after the kill`);
    const mintsAfterResume = o.signal === 'SIGSTOP' ? await resumeAndFinish(db, fake, lost) : null;
    await sleep(1000);
    await traffic.stop();

    const rows = await db.query<Row>(
      'SELECT id, tenant_id, oauth_client_id, version, status, lease_owner, access_expires_at, last_renewed_at FROM credentials',
    );
    const freshFrom = startedAt.getTime() + (o.tokenTtlSeconds - 5) * 1000;
    const notFresh = rows
      .filter(
        (r) =>
          r.status !== 'active' ||
          r.lease_owner !== null ||
          !r.last_renewed_at ||
          r.last_renewed_at < startedAt ||
          !r.access_expires_at ||
          r.access_expires_at.getTime() < freshFrom,
      )
      .map((r) => `${r.id} ${r.status} v${r.version} ${r.access_expires_at?.toISOString() ?? 'no expiry'}`);
    const renewedExactlyOnce = rows.filter((r) => r.version === (before.get(r.id) ?? -1) + 1).length;

    const extraParticleMints = fake.tokenCalls() - mintsBefore - rows.length;
    let tokensIssuedAfter = 0;
    let tokensValidAtParticle = 0;
    await forEachLimited(rows, 8, async (r, i) => {
      const via = survivors[i % survivors.length] as Replica;
      const res = await via.call<{ access_token: string }>('POST', `/v1/tenants/${r.tenant_id}/tokens`, {
        key,
        body: { credential_id: r.id, min_ttl_seconds: o.tokenTtlSeconds - 120 },
      });
      if (res.status !== 200) return;
      tokensIssuedAfter++;
      const check = await fetch(`${fake.url}/v1/access_tokens/current`, {
        headers: { authorization: `Bearer ${res.body.access_token}` },
      });
      if (check.status === 200) tokensValidAtParticle++;
    });
    const samples = traffic.samples;
    return {
      credentials: before.size,
      credentialsAfter: rows.length,
      victim: `${lost.name} (pid ${lost.pid})`,
      leasesHeldAtKill,
      renewedBeforeKill,
      recoveredAfterMs,
      renewedExactlyOnce,
      notFresh,
      extraParticleMints,
      mintsAfterResume,
      tokensIssuedAfter,
      tokensValidAtParticle,
      traffic: {
        requests: samples.length,
        ok: samples.filter((s) => s.status === 200).length,
        byStatus: byStatus(samples),
      },
      // Calls in flight to the victim when it went away are its callers' loss; the survivors' must all succeed.
      failedCalls: samples.filter((s) => s.status !== 200 && s.replica !== lost.name),
      survivorsAlive: survivors.every((r) => r.alive()) && (o.signal === 'SIGKILL' || lost.alive()),
    };
  } finally {
    fake.clearFaults();
    await traffic?.stop();
    await stopReplicas(replicas);
    await fake.close();
    await db.drop();
  }
}

/**
 * Wakes the frozen replica and waits for its sweep to finish with the batch it claimed before it froze
 * (its audit row names it). Returns the Particle token calls made meanwhile.
 */
async function resumeAndFinish(
  db: Awaited<ReturnType<typeof createTestDatabase>>,
  fake: ParticleFake,
  victim: Replica,
): Promise<number> {
  const mintsAtResume = fake.tokenCalls();
  const resumedAt = new Date();
  victim.process.child.kill('SIGCONT');
  const finished = await waitUntil(
    async () =>
      (
        await db.query(
          `SELECT 1 FROM audit_events WHERE action = 'refresh.sweep' AND at >= $1 AND details->>'owner' LIKE '%' || $2 || '%'`,
          [resumedAt, `:${victim.pid}:`],
        )
      ).length > 0,
    60_000,
    250,
  );
  if (!finished) throw new Error('the resumed replica never finished its sweep');
  return fake.tokenCalls() - mintsAtResume;
}
