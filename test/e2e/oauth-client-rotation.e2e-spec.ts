import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { TestClock } from '../support/clock.js';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { PRODUCT_SECRET, tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

const NEW_SECRET = 'rotated-secret-fedcba9876543210';
const HOUR = 3_600_000;

interface ClientView {
  client_id: string;
  secret_versions: { version: number; client_id: string; state: string; retire_after: string | null }[];
}

describe('OAuth client secret rotation', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;
  const clock = new TestClock();
  const admin = { key: TEST_ADMIN_KEY };
  const seen: string[] = [];
  /** Forces a mint: the cached and stored tokens no longer last long enough. */
  const mint = async () => {
    clock.advance(HOUR);
    return api('POST', '/v1/tenants/acme/tokens', { ...admin, body: {} });
  };

  beforeAll(async () => {
    fake = await ParticleFake.start();
    t = await startTestApp({ env: { PARTICLE_API_URL: fake.url }, clock });
    api = client(t.url, seen);
    await tenantWithProductClient(api, fake, 'acme');
    fake.addClient({ id: 'acme-prod-2', secret: NEW_SECRET, kind: 'product', productId: 1000 });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('refuses a secret Particle rejects with 422 and changes nothing', async () => {
    const res = await api('POST', '/v1/oauth-clients/acme-prod/rotations', {
      ...admin,
      body: { client_id: 'acme-prod-2', client_secret: 'not-the-secret' },
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'validation_failed' });
    const view = await api<ClientView>('GET', '/v1/oauth-clients/acme-prod', admin);
    expect(view.body.secret_versions).toHaveLength(1);
    const before = fake.secretUses('acme-prod', PRODUCT_SECRET);
    expect((await mint()).status).toBe(200);
    expect(fake.secretUses('acme-prod', PRODUCT_SECRET)).toBe(before + 1);
  });

  it('switches to a verified new client and keeps the old one as a fallback', async () => {
    const res = await api<ClientView>('POST', '/v1/oauth-clients/acme-prod/rotations', {
      ...admin,
      body: { client_id: 'acme-prod-2', client_secret: NEW_SECRET, grace_seconds: 4 * 3600 },
    });
    expect(res.status).toBe(201);
    expect(res.body.client_id).toBe('acme-prod-2');
    expect(res.body.secret_versions.map((v) => [v.version, v.state])).toEqual([
      [2, 'active'],
      [1, 'previous'],
    ]);
    expect(res.body.secret_versions[1]?.retire_after).not.toBeNull();
    expect(res.text).not.toContain(NEW_SECRET);
    const before = fake.secretUses('acme-prod-2', NEW_SECRET);
    expect((await mint()).status).toBe(200);
    expect(fake.secretUses('acme-prod-2', NEW_SECRET)).toBe(before + 1);
  });

  it('falls back to the previous secret once when Particle refuses the new one, and counts it', async () => {
    fake.removeClient('acme-prod-2');
    const oldBefore = fake.secretUses('acme-prod', PRODUCT_SECRET);
    const res = await mint();
    expect(res.status).toBe(200);
    expect(fake.secretUses('acme-prod', PRODUCT_SECRET)).toBe(oldBefore + 1);
    const metric = await t.app
      .get(MetricsService)
      .registry.getSingleMetricAsString('broker_oauth_client_fallback_total');
    expect(metric).toMatch(/broker_oauth_client_fallback_total 1/);
    fake.addClient({ id: 'acme-prod-2', secret: NEW_SECRET, kind: 'product', productId: 1000 });
  });

  it('rolls back to the previous secret inside the grace period, once', async () => {
    const res = await api<ClientView>('POST', '/v1/oauth-clients/acme-prod/rotations/rollback', admin);
    expect(res.status).toBe(200);
    expect(res.body.client_id).toBe('acme-prod');
    expect(res.body.secret_versions.map((v) => [v.version, v.state])).toEqual([
      [2, 'retired'],
      [1, 'active'],
    ]);
    const again = await api('POST', '/v1/oauth-clients/acme-prod/rotations/rollback', admin);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'conflict' });
  });

  it('never uses the old secret after the grace period', async () => {
    const res = await api('POST', '/v1/oauth-clients/acme-prod/rotations', {
      ...admin,
      body: { client_id: 'acme-prod-2', client_secret: NEW_SECRET, grace_seconds: 60 },
    });
    expect(res.status).toBe(201);
    fake.removeClient('acme-prod-2');
    const oldBefore = fake.secretUses('acme-prod', PRODUCT_SECRET);
    const failed = await mint(); // an hour later: the 60 s grace is long gone
    expect(failed.status).toBe(409);
    expect(failed.body).toMatchObject({ code: 'credential_unavailable', reason: 'oauth_client_invalid' });
    expect(fake.secretUses('acme-prod', PRODUCT_SECRET)).toBe(oldBefore);
  });

  it('checks a web client with a code exchange that cannot succeed', async () => {
    fake.addClient({
      id: 'web-1',
      secret: 'web-secret-1',
      kind: 'user',
      type: 'web',
      redirectUri: 'https://b.example.com/oauth/callback',
    });
    fake.addClient({
      id: 'web-2',
      secret: 'web-secret-2',
      kind: 'user',
      type: 'web',
      redirectUri: 'https://b.example.com/oauth/callback',
    });
    await api('POST', '/v1/oauth-clients', {
      ...admin,
      body: {
        id: 'connect',
        client_id: 'web-1',
        client_secret: 'web-secret-1',
        type: 'web',
        redirect_uri: 'https://b.example.com/oauth/callback',
      },
    });
    const wrong = await api('POST', '/v1/oauth-clients/connect/rotations', {
      ...admin,
      body: { client_id: 'web-2', client_secret: 'nope' },
    });
    expect(wrong.status).toBe(422);
    const right = await api('POST', '/v1/oauth-clients/connect/rotations', {
      ...admin,
      body: { client_id: 'web-2', client_secret: 'web-secret-2' },
    });
    expect(right.status).toBe(201);
    expect(
      (await api('POST', '/v1/oauth-clients/nope/rotations', { ...admin, body: { client_secret: 'x' } }))
        .status,
    ).toBe(404);
    expect((await api('POST', '/v1/oauth-clients/connect/rotations', { ...admin, body: {} })).status).toBe(
      400,
    );
  });

  it('audits rotations and rollbacks without secrets', async () => {
    const rows = await t.db.query<{ action: string }>(
      `SELECT action FROM audit_events WHERE action LIKE 'oauth_client.r%'`,
    );
    expect(rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['oauth_client.rotate', 'oauth_client.rollback']),
    );
    const dump = JSON.stringify(await t.db.query('SELECT * FROM audit_events'));
    expect(dump).not.toContain(NEW_SECRET);
    expect(t.logs.text()).not.toContain(NEW_SECRET);
  });
});

describe('rotation mode "particle"', () => {
  it('creates the new client at Particle with the management credential and deletes the old one after the grace', async () => {
    const fake = await ParticleFake.start();
    const clock = new TestClock();
    const t = await startTestApp({ env: { PARTICLE_API_URL: fake.url }, clock });
    const api = client(t.url);
    const admin = { key: TEST_ADMIN_KEY };
    try {
      await tenantWithProductClient(api, fake, 'mgr');
      const noManager = await api('POST', '/v1/oauth-clients/mgr-prod/rotations', {
        ...admin,
        body: { mode: 'particle' },
      });
      expect(noManager.status).toBe(409);
      const apiUser = fake.issueToken({ clientId: 'particle', expiresInSeconds: 0 });
      await api('POST', '/v1/tenants/mgr/credentials', {
        ...admin,
        body: { kind: 'token', access_token: apiUser.accessToken },
      });

      const res = await api<ClientView>('POST', '/v1/oauth-clients/mgr-prod/rotations', {
        ...admin,
        body: { mode: 'particle', grace_seconds: 600 },
      });
      expect(res.status).toBe(201);
      const newId = res.body.client_id;
      expect(newId).not.toBe('mgr-prod');
      const created = fake.requests.filter(
        (r) => r.method === 'POST' && r.path === '/v1/products/1000/clients',
      );
      expect(created).toHaveLength(1);
      expect(created[0]?.headers.authorization).toBe(`Bearer ${apiUser.accessToken}`);

      clock.advance(HOUR);
      expect((await api('POST', '/v1/tenants/mgr/tokens', { ...admin, body: {} })).status).toBe(200);
      expect(fake.tokenCalls({ clientId: newId, ok: true })).toBeGreaterThanOrEqual(1);

      expect((await api('POST', '/v1/admin/refresh-runs', admin)).status).toBe(200);
      const deletions = () =>
        fake.requests.filter((r) => r.method === 'DELETE' && r.path === '/v1/products/1000/clients/mgr-prod');
      expect(deletions()).toHaveLength(1);
      await api('POST', '/v1/admin/refresh-runs', admin);
      expect(deletions()).toHaveLength(1);
      const audit = await t.db.query(
        `SELECT outcome FROM audit_events WHERE action = 'oauth_client.delete_at_particle'`,
      );
      expect(audit).toEqual([{ outcome: 'success' }]);
    } finally {
      await t.close();
      await fake.close();
    }
  });
});
