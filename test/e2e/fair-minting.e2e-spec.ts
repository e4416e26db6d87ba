import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../support/clock.js';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

const admin = { key: TEST_ADMIN_KEY };

describe('no mint that cannot serve (design.md §9.2)', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;
  const clock = new TestClock();
  const mints = () => fake.tokenCalls({ grantType: 'client_credentials' });

  beforeAll(async () => {
    fake = await ParticleFake.start();
    // Two tenants' first mints leave two calls of the budget: a dozen wasted mints would spend them.
    t = await startTestApp({
      env: { PARTICLE_API_URL: fake.url, TOKEN_TTL_SECONDS: '3600', PARTICLE_TOKEN_BUDGET: '4' },
      clock,
    });
    api = client(t.url);
    await tenantWithProductClient(api, fake, 'acme');
    await tenantWithProductClient(api, fake, 'globex');
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('refuses min_ttl_seconds = TOKEN_TTL_SECONDS twelve times without a mint, and globex still mints', async () => {
    clock.advance(1000);
    const before = mints();
    for (let i = 0; i < 12; i++) {
      const res = await api('POST', '/v1/tenants/acme/tokens', { ...admin, body: { min_ttl_seconds: 3600 } });
      expect(res.status).toBe(409);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body).toMatchObject({ code: 'credential_unavailable' });
    }
    expect(mints()).toBe(before);

    clock.advance(3600_000); // globex's stored token has expired: it needs a mint now
    const globex = await api('POST', '/v1/tenants/globex/tokens', { ...admin, body: {} });
    expect(globex.status).toBe(200);
    expect(mints()).toBe(before + 1);
  });

  it('serves up to TOKEN_TTL_SECONDS minus the 60 s margin with a mint', async () => {
    const before = mints();
    const res = await api('POST', '/v1/tenants/acme/tokens', { ...admin, body: { min_ttl_seconds: 3540 } });
    expect(res.status).toBe(200);
    expect(mints()).toBe(before + 1);
    clock.advance(100_000); // the fresh token no longer lasts 3541 s; a new one could not either
    const over = await api('POST', '/v1/tenants/acme/tokens', { ...admin, body: { min_ttl_seconds: 3541 } });
    expect(over.status).toBe(409);
    expect(mints()).toBe(before + 1);
  });

  it('creates no customer row for a first request that no mint could serve', async () => {
    const before = mints();
    const res = await api('POST', '/v1/tenants/acme/tokens', {
      ...admin,
      body: { customer: 'new@example.com', min_ttl_seconds: 3600 },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'credential_unavailable' });
    const rows = await t.db.query('SELECT id FROM credentials WHERE scope = $1', [
      'customer=new@example.com',
    ]);
    expect(rows).toHaveLength(0);
    expect(mints()).toBe(before);
  });

  it('audits each of the fourteen refusals', async () => {
    const rows = await t.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM audit_events
        WHERE action = 'token.issue' AND outcome = 'failure' AND details->>'error' = 'credential_unavailable'`,
    );
    expect(Number(rows[0]?.n)).toBe(14);
  });
});
