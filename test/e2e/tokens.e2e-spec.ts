import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../support/clock.js';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

interface Issued {
  access_token: string;
  token_type: string;
  expires_at: string | null;
  expires_in: number | null;
  tenant_id: string;
  credential_id: string;
  scope: string | null;
}

const HOUR = 3600_000;

describe('token issuance', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;
  const clock = new TestClock();
  const admin = { key: TEST_ADMIN_KEY };
  let serviceKey: string;
  let credentialId: string;
  const mints = () => fake.tokenCalls({ grantType: 'client_credentials' });

  beforeAll(async () => {
    fake = await ParticleFake.start();
    t = await startTestApp({ env: { PARTICLE_API_URL: fake.url, TOKEN_TTL_SECONDS: '3600' }, clock });
    api = client(t.url);
    ({ credentialId } = await tenantWithProductClient(api, fake, 'acme'));
    await tenantWithProductClient(api, fake, 'globex');
    const key = await api<{ key: string }>('POST', '/v1/api-keys', {
      ...admin,
      body: { name: 'svc', role: 'service', tenants: ['acme'] },
    });
    serviceKey = key.body.key;
  });
  beforeEach(() => fake.clearFaults());
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('serves the cached token to a second caller without calling Particle', async () => {
    const before = mints();
    const first = await api<Issued>('POST', '/v1/tenants/acme/tokens', { key: serviceKey, body: {} });
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.body).toMatchObject({
      token_type: 'bearer',
      tenant_id: 'acme',
      credential_id: credentialId,
      scope: null,
    });
    expect(first.body.expires_in).toBeGreaterThan(3500);
    const second = await api<Issued>('POST', '/v1/tenants/acme/tokens', {
      key: serviceKey,
      body: { min_ttl_seconds: 60 },
    });
    expect(second.body.access_token).toBe(first.body.access_token);
    expect(mints()).toBe(before);
    const devices = await fetch(`${fake.url}/v1/devices`, {
      headers: { authorization: `Bearer ${first.body.access_token}` },
    });
    expect(devices.status).toBe(200);
  });

  it('mints once when the cached token cannot meet min_ttl_seconds', async () => {
    const first = await api<Issued>('POST', '/v1/tenants/acme/tokens', { key: serviceKey, body: {} });
    clock.advance(HOUR - 900_000); // 15 minutes left
    const before = mints();
    const fine = await api<Issued>('POST', '/v1/tenants/acme/tokens', {
      key: serviceKey,
      body: { min_ttl_seconds: 300 },
    });
    expect(fine.body.access_token).toBe(first.body.access_token);
    const longer = await api<Issued>('POST', '/v1/tenants/acme/tokens', {
      key: serviceKey,
      body: { min_ttl_seconds: 1800 },
    });
    expect(longer.status).toBe(200);
    expect(longer.body.access_token).not.toBe(first.body.access_token);
    expect(longer.body.expires_in).toBeGreaterThanOrEqual(1800);
    expect(mints()).toBe(before + 1);
    const again = await api<Issued>('POST', '/v1/tenants/acme/tokens', {
      key: serviceKey,
      body: { min_ttl_seconds: 1800 },
    });
    expect(again.body.access_token).toBe(longer.body.access_token);
    expect(mints()).toBe(before + 1);
  });

  it('refuses min_ttl_seconds above what a minted token lives, without calling Particle', async () => {
    const before = fake.tokenCalls();
    const res = await api('POST', '/v1/tenants/acme/tokens', {
      key: serviceKey,
      body: { min_ttl_seconds: 7200 },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'credential_unavailable' });
    expect(fake.tokenCalls()).toBe(before);
  });

  it('issues and caches customer-scoped tokens', async () => {
    const before = fake.tokenCalls({ grantType: 'client_credentials' });
    const first = await api<Issued>('POST', '/v1/tenants/acme/tokens', {
      key: serviceKey,
      body: { customer: 'jane@example.com' },
    });
    expect(first.status).toBe(200);
    expect(first.body.scope).toBe('customer=jane@example.com');
    const again = await api<Issued>('POST', '/v1/tenants/acme/tokens', {
      key: serviceKey,
      body: { customer: 'jane@example.com' },
    });
    expect(again.body.access_token).toBe(first.body.access_token);
    expect(fake.tokenCalls({ grantType: 'client_credentials' })).toBe(before + 1);
    const scoped = fake.requests.filter((r) => r.form?.scope === 'customer=jane@example.com');
    expect(scoped).toHaveLength(1);
    const other = await api<Issued>('POST', '/v1/tenants/acme/tokens', {
      key: serviceKey,
      body: { customer: 'joe@example.com' },
    });
    expect(other.body.access_token).not.toBe(first.body.access_token);
  });

  it('keeps a service key to its own tenants', async () => {
    const res = await api('POST', '/v1/tenants/globex/tokens', { key: serviceKey, body: {} });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'forbidden' });
    expect((await api('POST', '/v1/tenants/globex/tokens', { ...admin, body: {} })).status).toBe(200);
    expect((await api('POST', '/v1/tenants/acme/tokens', { body: {} })).status).toBe(401);
  });

  it('keeps serving a good cached token while Particle is down', async () => {
    await api('POST', '/v1/tenants/acme/tokens', { key: serviceKey, body: {} });
    fake.injectFault({ kind: 'status', status: 500 });
    const res = await api('POST', '/v1/tenants/acme/tokens', { key: serviceKey, body: {} });
    expect(res.status).toBe(200);
  });

  it('answers 503 upstream_unavailable with Retry-After when a needed renewal hits a Particle fault', async () => {
    clock.advance(HOUR);
    fake.injectFault({ kind: 'status', status: 500 }, { path: '/oauth/token' });
    const res = await api('POST', '/v1/tenants/acme/tokens', { key: serviceKey, body: {} });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'upstream_unavailable' });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    const [row] = await t.db.query<{ status: string; failure_count: number }>(
      'SELECT status, failure_count FROM credentials WHERE id = $1',
      [credentialId],
    );
    expect(row).toMatchObject({ status: 'failing', failure_count: 1 });
    fake.clearFaults();
    const backingOff = await api('POST', '/v1/tenants/acme/tokens', { key: serviceKey, body: {} });
    expect(backingOff.status).toBe(503);
    clock.advance(40_000); // past the first backoff step (30 s ± 20 %)
    const recovered = await api('POST', '/v1/tenants/acme/tokens', { key: serviceKey, body: {} });
    expect(recovered.status).toBe(200);
    const [after] = await t.db.query<{ status: string }>('SELECT status FROM credentials WHERE id = $1', [
      credentialId,
    ]);
    expect(after?.status).toBe('active');
  });

  it('answers 409 for a non-renewable token that will not live long enough, and reauth_required once expired', async () => {
    // The fake runs on real time; the broker's clock is ahead by what earlier tests advanced.
    const ahead = Math.round((clock.now().getTime() - Date.now()) / 1000);
    const { accessToken } = fake.issueToken({ clientId: 'acme-prod', expiresInSeconds: ahead + 2 * 3600 });
    const imported = await api<{ id: string }>('POST', '/v1/tenants/acme/credentials', {
      ...admin,
      body: { kind: 'token', access_token: accessToken },
    });
    const body = { credential_id: imported.body.id, min_ttl_seconds: 600 };
    expect((await api('POST', '/v1/tenants/acme/tokens', { key: serviceKey, body })).status).toBe(200);
    clock.advance(2 * HOUR - 300_000);
    const short = await api('POST', '/v1/tenants/acme/tokens', { key: serviceKey, body });
    expect(short.status).toBe(409);
    expect(short.body).toMatchObject({ code: 'credential_unavailable', credential_id: imported.body.id });
    clock.advance(600_000);
    const expired = await api('POST', '/v1/tenants/acme/tokens', { key: serviceKey, body });
    expect(expired.status).toBe(409);
    expect(expired.body).toMatchObject({ code: 'reauth_required' });
  });

  it('answers 404 for an unknown credential or tenant and 400 for bad input', async () => {
    const ghost = await api('POST', '/v1/tenants/acme/tokens', {
      key: serviceKey,
      body: { credential_id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(ghost.status).toBe(404);
    expect((await api('POST', '/v1/tenants/nobody/tokens', { ...admin, body: {} })).status).toBe(404);
    for (const body of [
      { min_ttl_seconds: -1 },
      { min_ttl_seconds: 86_401 },
      { credential_id: 'x' },
      { customer: 'a b' },
      { other: 1 },
    ]) {
      expect(
        (await api('POST', '/v1/tenants/acme/tokens', { key: serviceKey, body })).status,
        JSON.stringify(body),
      ).toBe(400);
    }
  });

  it('audits every token handed out, never the token', async () => {
    const res = await api<Issued>('POST', '/v1/tenants/acme/tokens', {
      key: serviceKey,
      body: {},
      headers: { 'x-request-id': 'tok-audit-1' },
    });
    const rows = await t.db.query<{
      actor: string;
      outcome: string;
      target: string;
      details: { source: string };
    }>(
      `SELECT actor, outcome, target, details FROM audit_events WHERE action = 'token.issue' AND request_id = 'tok-audit-1'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'success', target: res.body.credential_id });
    const all = JSON.stringify(await t.db.query(`SELECT * FROM audit_events`));
    expect(all).not.toContain(res.body.access_token);
    expect(t.logs.text()).not.toContain(res.body.access_token);
  });
});

describe('token budget during issuance', () => {
  it('answers 503 token_budget_exhausted with Retry-After when the budget is spent', async () => {
    const fake = await ParticleFake.start();
    const clock = new TestClock();
    const t = await startTestApp({ env: { PARTICLE_API_URL: fake.url, PARTICLE_TOKEN_BUDGET: '1' }, clock });
    const api = client(t.url);
    try {
      await tenantWithProductClient(api, fake, 'acme'); // spends the budget
      clock.advance(120_000); // still inside the 5-minute window, but the token no longer lasts 3500 s
      const res = await api('POST', '/v1/tenants/acme/tokens', {
        key: TEST_ADMIN_KEY,
        body: { min_ttl_seconds: 3500 },
      });
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'token_budget_exhausted', scope: 'global' });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(fake.tokenCalls()).toBe(1);
    } finally {
      await t.close();
      await fake.close();
    }
  });
});
