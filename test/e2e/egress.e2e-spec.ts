import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, Call } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

const admin = { key: TEST_ADMIN_KEY };

interface EgressView {
  token_budget: { limit: number; used: number; window_seconds: number; retry_after_seconds: number };
  breaker: { state: string; consecutive_failures: number; open_until: string | null };
  api_budget: { limit: number; used: number; window_seconds: number };
  streams: { open: number; limit: number; opens_used: number; opens_limit: number };
  tenants: unknown[];
}

describe('GET /v1/admin/egress and POST /v1/admin/egress/breaker/reset', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;

  beforeAll(async () => {
    fake = await ParticleFake.start();
    t = await startTestApp({ env: { PARTICLE_API_URL: fake.url, PARTICLE_TOKEN_BUDGET: '50' } });
    api = client(t.url);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('shows the token budget used by every token call of the window, and a closed breaker', async () => {
    const before = await api<EgressView>('GET', '/v1/admin/egress', admin);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      token_budget: { limit: 50, window_seconds: 300, retry_after_seconds: 0 },
      breaker: { state: 'closed', consecutive_failures: 0, open_until: null },
      api_budget: { used: 0, window_seconds: 300 },
      streams: { open: 0 },
      tenants: [],
    });
    await tenantWithProductClient(api, fake, 'acme');
    const after = await api<EgressView>('GET', '/v1/admin/egress', admin);
    expect(after.body.token_budget.used).toBe(before.body.token_budget.used + 1);
  });

  it('shows an open breaker after failed token calls, and ops close it with an audited reset', async () => {
    fake.injectFault({ kind: 'status', status: 500 }, { path: '/oauth/token', times: 5 });
    for (let i = 0; i < 5; i++) {
      const minted = await api('POST', '/v1/tenants/acme/credentials', {
        ...admin,
        body: { kind: 'client_credentials', oauth_client_id: 'acme-prod' },
      });
      expect(minted.status).toBe(503);
    }
    const open = await api<EgressView>('GET', '/v1/admin/egress', admin);
    expect(open.body.breaker).toMatchObject({ state: 'open', consecutive_failures: 5 });
    expect(Date.parse(open.body.breaker.open_until ?? '')).toBeGreaterThan(Date.now());
    expect(open.body.token_budget.retry_after_seconds).toBeGreaterThan(0);

    const reset = await api<EgressView>('POST', '/v1/admin/egress/breaker/reset', admin);
    expect(reset.status).toBe(200);
    expect(reset.body.breaker).toEqual({ state: 'closed', consecutive_failures: 0, open_until: null });
    const minted = await api('POST', '/v1/tenants/acme/credentials', {
      ...admin,
      body: { kind: 'client_credentials', oauth_client_id: 'acme-prod' },
    });
    expect(minted.status).toBe(201);
    const audit = await api<{ items: { actor: string; outcome: string }[] }>(
      'GET',
      '/v1/audit-events?action=egress.breaker_reset',
      admin,
    );
    expect(audit.body.items).toMatchObject([{ actor: 'bootstrap', outcome: 'success' }]);
  });

  it('keeps both routes to admin keys', async () => {
    const key = await api<{ key: string }>('POST', '/v1/api-keys', {
      ...admin,
      body: { name: 'svc', role: 'service', tenants: ['*'] },
    });
    expect((await api('GET', '/v1/admin/egress', { key: key.body.key })).status).toBe(403);
    expect((await api('POST', '/v1/admin/egress/breaker/reset', { key: key.body.key })).status).toBe(403);
    expect((await api('GET', '/v1/admin/egress')).status).toBe(401);
  });
});
