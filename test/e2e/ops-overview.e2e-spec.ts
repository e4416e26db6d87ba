import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../support/clock.js';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';
import { eventually, WebhookReceiver } from '../support/webhook-receiver.js';

const MIN = 60_000;
const admin = { key: TEST_ADMIN_KEY };

interface AtRisk {
  tenant_id: string;
  credential_id: string;
  kind: string;
  status: string;
  reason: string;
  action: string;
  since: string;
  access_expires_at: string | null;
  last_error: string | null;
}

interface Overview {
  tenants: number;
  credentials: Record<string, number>;
  at_risk: AtRisk[];
  last_sweep: { at: string; claimed: number; renewed: number; failed: number } | null;
  oldest_overdue_seconds: number;
  webhooks: { pending: number; failing_endpoints: number };
}

interface CredentialItem {
  id: string;
  tenant_id: string;
  kind: string;
  status: string;
  last_renewed_at: string | null;
}

describe('ops read models: overview, credentials across tenants, forced renewal', () => {
  let fake: ParticleFake;
  let receiver: WebhookReceiver;
  let t: TestApp;
  let api: Call;
  const clock = new TestClock();
  const overview = async () => (await api<Overview>('GET', '/v1/admin/overview', admin)).body;
  const sweep = () => api<{ claimed: number }>('POST', '/v1/admin/refresh-runs', admin);
  const rowOf = async (id: string) =>
    (
      await t.db.query<{ status: string; version: number; next_attempt_at: Date | null }>(
        'SELECT status, version, next_attempt_at FROM credentials WHERE id = $1',
        [id],
      )
    )[0];
  const dueNow = (id: string) =>
    t.db.query('UPDATE credentials SET next_attempt_at = $2 WHERE id = $1', [
      id,
      new Date(clock.now().getTime() - MIN),
    ]);

  let healthy: string;
  let revokedToken: string;
  let flaky: string;
  let imported: string;

  beforeAll(async () => {
    fake = await ParticleFake.start({ tokenBudget: 10_000 });
    receiver = await WebhookReceiver.start();
    t = await startTestApp({
      env: { PARTICLE_API_URL: fake.url, REFRESH_LEAD_SECONDS: '900', WEBHOOK_TIMEOUT_MS: '1000' },
      clock,
    });
    api = client(t.url);
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
    await fake.close();
  });

  it('answers an empty overview before anything exists, with no sweep yet', async () => {
    expect(await overview()).toEqual({
      tenants: 0,
      credentials: { active: 0, expiring: 0, failing: 0, needs_reauth: 0, revoked: 0 },
      at_risk: [],
      last_sweep: null,
      oldest_overdue_seconds: 0,
      webhooks: { pending: 0, failing_endpoints: 0 },
    });
  });

  it('lists a token revoked at Particle as needs_reauth after a sweep, with its reason and fix', async () => {
    await api('POST', '/v1/tenants', { ...admin, body: { id: 'revoked', name: 'r' } });
    const { accessToken } = fake.issueToken({ clientId: 'particle', expiresInSeconds: 30 * 86_400 });
    const created = await api<{ id: string }>('POST', '/v1/tenants/revoked/credentials', {
      ...admin,
      body: { kind: 'token', access_token: accessToken },
    });
    revokedToken = created.body.id;
    fake.revokeToken(accessToken);
    // The import is checked again within the hour; the client_credentials one, made now, is not due yet.
    clock.advance(61 * MIN);
    ({ credentialId: healthy } = await tenantWithProductClient(api, fake, 'healthy'));
    const run = await sweep();
    expect(run.status).toBe(200);
    expect(run.body.claimed).toBe(1);

    const o = await overview();
    expect(o.tenants).toBe(2);
    expect(o.credentials).toEqual({ active: 1, expiring: 0, failing: 0, needs_reauth: 1, revoked: 0 });
    expect(o.at_risk).toEqual([
      {
        tenant_id: 'revoked',
        credential_id: revokedToken,
        kind: 'token',
        status: 'needs_reauth',
        reason: 'reauth_required',
        action: 'import_new_token',
        since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
        access_expires_at: expect.any(String) as string,
        last_error: expect.stringMatching(/^invalid_token/) as string,
      },
    ]);
    expect(o.last_sweep).toMatchObject({ claimed: 1, renewed: 0, failed: 1 });
    expect(Date.parse(o.last_sweep?.at ?? '')).toBeGreaterThan(clock.now().getTime() - MIN);
  });

  it('records every sweep, an empty one too, as the last one', async () => {
    const before = (await overview()).last_sweep;
    clock.advance(1000);
    expect((await sweep()).body.claimed).toBe(0);
    const after = (await overview()).last_sweep;
    expect(after).toMatchObject({ claimed: 0, renewed: 0, failed: 0 });
    expect(Date.parse(after?.at ?? '')).toBeGreaterThan(Date.parse(before?.at ?? ''));
  });

  it('lists a credential Particle answers 500 for as failing, after needs_reauth, and shows the overdue wait', async () => {
    ({ credentialId: flaky } = await tenantWithProductClient(api, fake, 'flaky'));
    await dueNow(flaky);
    expect((await overview()).oldest_overdue_seconds).toBeGreaterThanOrEqual(60);
    fake.injectFault({ kind: 'status', status: 500 }, { path: '/oauth/token' });
    expect((await sweep()).body).toMatchObject({ claimed: 1, failed: 1 });
    const o = await overview();
    expect(o.credentials).toMatchObject({ active: 1, failing: 1, needs_reauth: 1 });
    expect(o.at_risk.map((r) => [r.credential_id, r.status, r.reason, r.action])).toEqual([
      [revokedToken, 'needs_reauth', 'reauth_required', 'import_new_token'],
      [flaky, 'failing', 'renewal_failing', 'force_renewal'],
    ]);
    expect(o.oldest_overdue_seconds).toBe(0);
  });

  it('forces a renewal inside the backoff: 503 while Particle fails, then one token call renews it', async () => {
    const calls = fake.tokenCalls();
    const refused = await api('POST', `/v1/tenants/flaky/credentials/${flaky}/renewals`, admin);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ code: 'upstream_unavailable' });
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(fake.tokenCalls()).toBe(calls + 1);

    fake.clearFaults();
    const version = (await rowOf(flaky))?.version ?? 0;
    const renewed = await api<CredentialItem>(
      'POST',
      `/v1/tenants/flaky/credentials/${flaky}/renewals`,
      admin,
    );
    expect(renewed.status).toBe(200);
    expect(renewed.body).toMatchObject({
      id: flaky,
      tenant_id: 'flaky',
      kind: 'client_credentials',
      status: 'active',
    });
    expect(renewed.text).not.toMatch(/access_token"|refresh_token"/);
    expect(fake.tokenCalls()).toBe(calls + 2);
    expect(await rowOf(flaky)).toMatchObject({ status: 'active', version: version + 1 });
    const audit = await t.db.query<{ actor: string; outcome: string; target: string }>(
      `SELECT actor, outcome, target FROM audit_events WHERE action = 'credential.renewal' ORDER BY id`,
    );
    expect(audit).toEqual([
      { actor: 'bootstrap', outcome: 'failure', target: flaky },
      { actor: 'bootstrap', outcome: 'success', target: flaky },
    ]);
    expect((await overview()).at_risk.map((r) => r.credential_id)).toEqual([revokedToken]);
  });

  it('checks a token credential with Particle instead of renewing it, and refuses needs_reauth with 409', async () => {
    await api('POST', '/v1/tenants', { ...admin, body: { id: 'imported', name: 'i' } });
    const { accessToken } = fake.issueToken({ clientId: 'particle', expiresInSeconds: 30 * 86_400 });
    imported = (
      await api<{ id: string }>('POST', '/v1/tenants/imported/credentials', {
        ...admin,
        body: { kind: 'token', access_token: accessToken },
      })
    ).body.id;
    const checks = () => fake.requests.filter((r) => r.path === '/v1/access_tokens/current').length;
    const tokenCalls = fake.tokenCalls();
    const before = checks();
    const checked = await api('POST', `/v1/tenants/imported/credentials/${imported}/renewals`, admin);
    expect(checked.status).toBe(200);
    expect(checked.body).toMatchObject({ id: imported, kind: 'token', status: 'active' });
    expect(checks()).toBe(before + 1);
    expect(fake.tokenCalls()).toBe(tokenCalls);

    const reauth = await api('POST', `/v1/tenants/revoked/credentials/${revokedToken}/renewals`, admin);
    expect(reauth.status).toBe(409);
    expect(reauth.body).toMatchObject({ code: 'reauth_required', credential_id: revokedToken });
    expect(checks()).toBe(before + 1);
  });

  it('answers 404 for an unknown credential or tenant and 400 for a body, calling Particle for none', async () => {
    const seen = fake.requests.length;
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const path of [
      `/v1/tenants/healthy/credentials/${unknown}/renewals`,
      `/v1/tenants/healthy/credentials/not-a-uuid/renewals`,
      `/v1/tenants/nobody/credentials/${healthy}/renewals`,
      `/v1/tenants/flaky/credentials/${healthy}/renewals`,
    ]) {
      const res = await api('POST', path, admin);
      expect(res.status, path).toBe(404);
      expect(res.body).toMatchObject({ code: 'not_found' });
    }
    for (const body of [{ force: true }, [1], 'now']) {
      const res = await api('POST', `/v1/tenants/healthy/credentials/${healthy}/renewals`, {
        ...admin,
        body,
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'validation_failed' });
    }
    expect(fake.requests.length).toBe(seen);
  });

  it('lists credentials across tenants, filtered and in keyset pages', async () => {
    const all = await api<{ items: CredentialItem[]; next_after: string | null }>(
      'GET',
      '/v1/credentials',
      admin,
    );
    expect(all.status).toBe(200);
    expect(all.body.items.map((c) => c.id).sort()).toEqual([healthy, revokedToken, flaky, imported].sort());
    expect(all.body.next_after).toBeNull();
    expect(Object.keys(all.body.items[0] ?? {}).sort()).toEqual(
      [
        'id',
        'tenant_id',
        'kind',
        'status',
        'scope',
        'oauth_client_id',
        'access_expires_at',
        'refresh_expires_at',
        'last_renewed_at',
        'last_error',
      ].sort(),
    );
    expect(all.text).not.toMatch(/sealed|refresh_token"|access_token"/);

    const ids = async (query: string) =>
      (await api<{ items: CredentialItem[] }>('GET', `/v1/credentials?${query}`, admin)).body.items.map(
        (c) => c.id,
      );
    expect(await ids('status=needs_reauth')).toEqual([revokedToken]);
    expect((await ids('kind=token')).sort()).toEqual([revokedToken, imported].sort());
    expect(await ids('tenant_id=flaky')).toEqual([flaky]);
    expect(await ids('kind=token&status=active')).toEqual([imported]);
    expect(await ids('tenant_id=nobody')).toEqual([]);

    // Pages of one: the limit read from its digits, the cursor handed back until the last page.
    const paged: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res: { body: { items: CredentialItem[]; next_after: string | null } } = await api(
        'GET',
        `/v1/credentials?limit=1${after ? `&after=${after}` : ''}`,
        admin,
      );
      expect(res.body.items.length).toBeLessThanOrEqual(1);
      paged.push(...res.body.items.map((c) => c.id));
      after = res.body.next_after;
      if (!after) break;
    }
    expect(paged).toEqual(all.body.items.map((c) => c.id));
    expect(await ids('limit=3')).toHaveLength(3);
  });

  it('refuses bad filters of the list with 400 problem+json', async () => {
    for (const query of [
      'status=broken',
      'kind=oauth',
      'tenant_id=Not%20A%20Tenant',
      'limit=0',
      'limit=501',
      'limit=1.5',
      'limit=2.0',
      'limit=1e2',
      'limit=two',
      'limit=',
      'after=12',
      'after=not-a-uuid',
      'colour=blue',
      'status=active&status=failing',
    ]) {
      const res = await api('GET', `/v1/credentials?${query}`, admin);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body, query).toMatchObject({ code: 'validation_failed' });
    }
  });

  it('counts pending deliveries and an endpoint whose delivery failed', async () => {
    receiver.answerWith(500, 500, 500);
    const w = await api<{ id: string }>('POST', '/v1/webhooks', { ...admin, body: { url: receiver.url } });
    expect(w.status).toBe(201);
    await api('POST', `/v1/webhooks/${w.body.id}/test`, admin);
    await eventually(() => receiver.received.length >= 1);
    const o: Overview = await eventually(async () => {
      const seen = await overview();
      return seen.webhooks.failing_endpoints === 1 ? seen : undefined;
    });
    expect(o.webhooks.pending).toBe(1);
  });

  it('is for admin keys only', async () => {
    const key = await api<{ key: string }>('POST', '/v1/api-keys', {
      ...admin,
      body: { name: 'svc', role: 'service', tenants: ['*'] },
    });
    for (const [method, path] of [
      ['GET', '/v1/admin/overview'],
      ['GET', '/v1/credentials'],
      ['POST', `/v1/tenants/healthy/credentials/${healthy}/renewals`],
    ] as const) {
      const res = await api(method, path, { key: key.body.key });
      expect(res.status, path).toBe(403);
    }
  });

  it('says a credential whose OAuth client Particle refused needs a rotation, and forces nothing through it', async () => {
    const { credentialId: broken } = await tenantWithProductClient(api, fake, 'broken');
    fake.removeClient('broken-prod'); // Particle now answers invalid_client
    await dueNow(broken);
    expect((await sweep()).body).toMatchObject({ claimed: 1 });
    const risk = (await overview()).at_risk.find((r) => r.credential_id === broken);
    expect(risk).toMatchObject({
      tenant_id: 'broken',
      status: 'failing',
      reason: 'oauth_client_invalid',
      action: 'rotate_oauth_client',
      last_error: expect.stringMatching(/^invalid_client/) as string,
    });
    const calls = fake.tokenCalls();
    const forced = await api('POST', `/v1/tenants/broken/credentials/${broken}/renewals`, admin);
    expect(forced.status).toBe(409);
    expect(forced.body).toMatchObject({ code: 'credential_unavailable', reason: 'oauth_client_invalid' });
    expect(fake.tokenCalls()).toBe(calls);
  });
});
