import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialsRepository } from '../../src/credentials/credentials.repository.js';
import {
  RefreshSchedulerService,
  SweepResult,
} from '../../src/refresh-scheduler/refresh-scheduler.service.js';
import { CredentialsService } from '../../src/credentials/credentials.service.js';
import { TestClock } from '../support/clock.js';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { PRODUCT_SECRET, tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

const MIN = 60_000;
const admin = { key: TEST_ADMIN_KEY };

interface Row {
  status: string;
  failure_count: number;
  next_attempt_at: Date | null;
  last_renewed_at: Date;
  lease_owner: string | null;
}

async function row(t: TestApp, id: string): Promise<Row> {
  const [r] = await t.db.query<Row>(
    'SELECT status, failure_count, next_attempt_at, last_renewed_at, lease_owner FROM credentials WHERE id = $1',
    [id],
  );
  if (!r) throw new Error(`no credential ${id}`);
  return r;
}

describe('refresh scheduler', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;
  const clock = new TestClock();
  const sweep = (): Promise<SweepResult> => t.app.get(RefreshSchedulerService).sweep();

  /** A tenant with a product client and an authorization_code credential whose token expires in `ms`. */
  async function authorizationCodeCredential(tenantId: string, ms: number) {
    await tenantWithProductClient(api, fake, tenantId);
    const first = fake.issueToken({ clientId: `${tenantId}-prod`, expiresInSeconds: 3600 });
    const stored = await t.app.get(CredentialsService).store({
      tenantId,
      kind: 'authorization_code',
      oauthClientId: `${tenantId}-prod`,
      issuerClientId: `${tenantId}-prod`,
      scope: null,
      username: null,
      tokens: {
        accessToken: first.accessToken,
        refreshToken: first.refreshToken ?? null,
        expiresAt: new Date(clock.now().getTime() + ms),
        scope: null,
      },
      keepRefreshToken: true,
    });
    return { first, stored };
  }

  beforeAll(async () => {
    fake = await ParticleFake.start({ tokenBudget: 10_000 });
    t = await startTestApp({
      env: { PARTICLE_API_URL: fake.url, TOKEN_TTL_SECONDS: '3600', REFRESH_LEAD_SECONDS: '900' },
      clock,
    });
    api = client(t.url);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('renews a client_credentials credential inside the lead window with no caller asking', async () => {
    const { credentialId } = await tenantWithProductClient(api, fake, 'cc-tenant');
    const before = await row(t, credentialId);
    expect(await sweep()).toMatchObject({ claimed: 0 });
    clock.advance(50 * MIN); // 10 minutes left: inside the 15-18 minute lead
    const mints = fake.tokenCalls({ grantType: 'client_credentials' });
    const res = await api<SweepResult>('POST', '/v1/admin/refresh-runs', admin);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ claimed: 1, renewed: 1, failed: 0, skipped: 0 });
    expect(fake.tokenCalls({ grantType: 'client_credentials' })).toBe(mints + 1);
    const after = await row(t, credentialId);
    expect(after.last_renewed_at.getTime()).toBeGreaterThan(before.last_renewed_at.getTime());
    expect(after.lease_owner).toBeNull();
    expect(after.next_attempt_at?.getTime()).toBeGreaterThan(clock.now().getTime() + 30 * MIN);
    const audit = await t.db.query(
      `SELECT 1 FROM audit_events WHERE action = 'credential.renew' AND target = $1 AND outcome = 'success'`,
      [credentialId],
    );
    expect(audit).toHaveLength(1);
  });

  it('refreshes an authorization_code credential with the newest refresh token each time', async () => {
    const { first, stored } = await authorizationCodeCredential('ac-tenant', 3600_000);
    // First the access token runs out (1 h); after a refresh it lives 90 days, so next the 14-day refresh
    // token is what comes due.
    for (const wait of [50 * MIN, 14 * 24 * 60 * MIN]) {
      clock.advance(wait);
      const result = await sweep();
      expect(result.failed).toBe(0);
      expect(result.renewed).toBeGreaterThanOrEqual(1);
    }
    const refreshes = fake.requests.filter((r) => r.form?.grant_type === 'refresh_token' && r.status === 200);
    expect(refreshes).toHaveLength(2);
    expect(refreshes[0]?.form?.refresh_token).toBe(first.refreshToken);
    expect(refreshes[1]?.form?.refresh_token).not.toBe(first.refreshToken);
    // The fake rotates: the first refresh token is dead, so success twice proves the newest was stored.
    const reuse = await fetch(`${fake.url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`ac-tenant-prod:${PRODUCT_SECRET}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: first.refreshToken ?? '',
      }).toString(),
    });
    expect(reuse.status).toBe(400);
    expect((await row(t, stored.id)).status).toBe('active');
  });

  it('marks needs_reauth on 401 from Particle and stops retrying', async () => {
    await api('POST', '/v1/tenants', { ...admin, body: { id: 'tok-tenant', name: 't' } });
    const { accessToken } = fake.issueToken({ clientId: 'particle', expiresInSeconds: 30 * 86_400 });
    const created = await api<{ id: string }>('POST', '/v1/tenants/tok-tenant/credentials', {
      ...admin,
      body: { kind: 'token', access_token: accessToken },
    });
    fake.revokeToken(accessToken);
    clock.advance(61 * MIN);
    await sweep();
    const after = await row(t, created.body.id);
    expect(after).toMatchObject({ status: 'needs_reauth', next_attempt_at: null });
    const calls = fake.requests.length;
    clock.advance(24 * 60 * MIN);
    await sweep();
    expect(fake.requests.filter((r) => r.path === '/v1/access_tokens/current').length).toBe(
      fake.requests.slice(0, calls).filter((r) => r.path === '/v1/access_tokens/current').length,
    );
    const issued = await api('POST', '/v1/tenants/tok-tenant/tokens', {
      ...admin,
      body: { credential_id: created.body.id },
    });
    expect(issued.status).toBe(409);
    expect(issued.body).toMatchObject({ code: 'reauth_required' });
  });

  it('backs off on Particle faults and recovers when they clear', async () => {
    const { credentialId } = await tenantWithProductClient(api, fake, 'flaky-tenant');
    clock.advance(50 * MIN);
    fake.injectFault({ kind: 'status', status: 500 }, { path: '/oauth/token' });
    const failed = await sweep();
    expect(failed.failed).toBeGreaterThanOrEqual(1);
    const r1 = await row(t, credentialId);
    expect(r1).toMatchObject({ status: 'failing', failure_count: 1 });
    expect(r1.next_attempt_at?.getTime()).toBeGreaterThan(clock.now().getTime() + 20_000);
    const callsWhileBackingOff = fake.tokenCalls();
    await sweep();
    expect(fake.tokenCalls()).toBe(callsWhileBackingOff);
    fake.clearFaults();
    clock.advance(2 * MIN);
    await sweep();
    expect(await row(t, credentialId)).toMatchObject({ status: 'active', failure_count: 0 });
  });

  it('finishes a renewal whose replica died once the lease runs out', async () => {
    const { credentialId } = await tenantWithProductClient(api, fake, 'orphan-tenant');
    clock.advance(50 * MIN);
    const leases = t.app.get(CredentialsRepository);
    const now = clock.now();
    const claimed = await leases.claimDue('dead-replica', now, new Date(now.getTime() + 2 * MIN), 1000);
    expect(claimed.map((c) => c.id)).toContain(credentialId);
    const meanwhile = await sweep();
    expect(meanwhile.claimed).toBe(0);
    clock.advance(3 * MIN);
    await sweep();
    expect(await row(t, credentialId)).toMatchObject({ status: 'active', lease_owner: null });
    expect((await row(t, credentialId)).last_renewed_at.getTime()).toBeGreaterThan(now.getTime() - 1000);
  });

  it('makes a caller wait, holding no connection, while another holds the lease, then renews once', async () => {
    // Shorter than the default min_ttl_seconds (300): a caller's request needs a renewal.
    const { stored } = await authorizationCodeCredential('leased-tenant', 60_000);
    await t.db.query(`UPDATE credentials SET lease_owner = 'other-replica', lease_until = $2 WHERE id = $1`, [
      stored.id,
      new Date(clock.now().getTime() + MIN),
    ]);
    const refreshes = () => fake.tokenCalls({ grantType: 'refresh_token' });
    const before = refreshes();
    const waiting = api('POST', '/v1/tenants/leased-tenant/tokens', {
      ...admin,
      body: { credential_id: stored.id },
    });
    await new Promise((r) => setTimeout(r, 700));
    // A second refresh beside the lease holder's would race it with the same refresh token.
    expect(refreshes()).toBe(before);
    // The caller holds no connection while it waits: only the app's idle pool and its listener remain.
    const busy = await t.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND state = 'idle in transaction'`,
      [t.db.name],
    );
    expect(Number(busy[0]?.n)).toBe(0);

    await t.db.query(`UPDATE credentials SET lease_owner = NULL, lease_until = NULL WHERE id = $1`, [
      stored.id,
    ]);
    expect((await waiting).status).toBe(200);
    expect(refreshes()).toBe(before + 1);
  });

  it('keeps service keys away from refresh runs', async () => {
    const key = await api<{ key: string }>('POST', '/v1/api-keys', {
      ...admin,
      body: { name: 's', role: 'service', tenants: ['*'] },
    });
    expect((await api('POST', '/v1/admin/refresh-runs', { key: key.body.key })).status).toBe(403);
  });
});

describe('two schedulers on one database', () => {
  it('renew each due credential exactly once over many ticks', async () => {
    const fake = await ParticleFake.start({ tokenBudget: 10_000 });
    const clock = new TestClock();
    const env = { PARTICLE_API_URL: fake.url, PARTICLE_TOKEN_BUDGET: '100', REFRESH_CONCURRENCY: '4' };
    const a = await startTestApp({ env, clock });
    const b = await startTestApp({ env, clock, db: a.db });
    try {
      const api = client(a.url);
      const n = 12;
      for (let i = 0; i < n; i++) await tenantWithProductClient(api, fake, `multi-${i}`);
      const sweeps = [a, b].map((x) => x.app.get(RefreshSchedulerService));
      for (let round = 0; round < 3; round++) {
        clock.advance(55 * MIN); // every credential is now inside its lead window
        const before = fake.tokenCalls({ grantType: 'client_credentials', ok: true });
        let renewed = 0;
        // Tick both replicas together until nothing is due (refusals are retried a moment later).
        for (let tick = 0; tick < 20; tick++) {
          const results = await Promise.all(sweeps.map((s) => s.sweep()));
          renewed += results.reduce((sum, r) => sum + r.renewed, 0);
          if (results.every((r) => r.claimed === 0)) break;
          clock.advance(35_000);
        }
        expect(renewed, `round ${round}`).toBe(n);
        expect(
          fake.tokenCalls({ grantType: 'client_credentials', ok: true }) - before,
          `round ${round}`,
        ).toBe(n);
      }
    } finally {
      await b.close();
      await a.close();
      await fake.close();
    }
  });
});

describe('the in-process cron', () => {
  it('renews due credentials on its own ticks', async () => {
    const fake = await ParticleFake.start({ tokenBudget: 10_000 });
    const clock = new TestClock();
    const t = await startTestApp({ env: { PARTICLE_API_URL: fake.url, REFRESH_CRON: '* * * * * *' }, clock });
    try {
      const { credentialId } = await tenantWithProductClient(client(t.url), fake, 'cron-tenant');
      const before = (await row(t, credentialId)).last_renewed_at.getTime();
      clock.advance(50 * MIN);
      let renewedAt = before;
      for (let i = 0; i < 100 && renewedAt === before; i++) {
        await new Promise((r) => setTimeout(r, 100));
        renewedAt = (await row(t, credentialId)).last_renewed_at.getTime();
      }
      expect(renewedAt).toBeGreaterThan(before);
    } finally {
      await t.close();
      await fake.close();
    }
  });
});
