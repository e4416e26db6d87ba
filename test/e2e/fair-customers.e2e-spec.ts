import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../support/clock.js';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { PRODUCT_SECRET, tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

const admin = { key: TEST_ADMIN_KEY };
const HOUR = 3600_000;

describe('customer credentials are bounded and shared clients mint nothing (design.md §9.7)', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;
  const clock = new TestClock();
  const mints = () => fake.tokenCalls({ grantType: 'client_credentials' });
  const customerToken = (tenant: string, customer: string) =>
    api('POST', `/v1/tenants/${tenant}/tokens`, { ...admin, body: { customer } });
  const customerRows = async (tenant: string) =>
    (
      await t.db.query<{ scope: string }>(
        `SELECT scope FROM credentials WHERE tenant_id = $1 AND scope LIKE 'customer=%' ORDER BY scope`,
        [tenant],
      )
    ).map((r) => r.scope);

  beforeAll(async () => {
    fake = await ParticleFake.start();
    t = await startTestApp({
      env: { PARTICLE_API_URL: fake.url, CUSTOMER_CREDENTIALS_PER_TENANT: '2' },
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

  it('refuses a customer beyond CUSTOMER_CREDENTIALS_PER_TENANT with 409 conflict, no row and no mint', async () => {
    expect((await customerToken('acme', 'a@example.com')).status).toBe(200);
    expect((await customerToken('acme', 'b@example.com')).status).toBe(200);
    const before = mints();

    const third = await customerToken('acme', 'c@example.com');
    expect(third.status).toBe(409);
    expect(third.headers.get('content-type')).toContain('application/problem+json');
    expect(third.body).toMatchObject({ code: 'conflict' });
    expect(mints()).toBe(before);
    expect(await customerRows('acme')).toEqual(['customer=a@example.com', 'customer=b@example.com']);

    // Customers already known keep being served, and the bound is each tenant's own.
    expect((await customerToken('acme', 'a@example.com')).status).toBe(200);
    expect((await customerToken('globex', 'c@example.com')).status).toBe(200);
    const [audit] = await t.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM audit_events
        WHERE action = 'token.issue' AND tenant_id = 'acme' AND outcome = 'failure' AND details->>'error' = 'conflict'`,
    );
    expect(Number(audit?.n)).toBe(1);
  });

  it('refuses a client_credentials credential through a shared OAuth client with 409 conflict before any call', async () => {
    fake.addClient({ id: 'shared-prod', secret: PRODUCT_SECRET, kind: 'product', productId: 1000 });
    const shared = await api('POST', '/v1/oauth-clients', {
      ...admin,
      body: { id: 'shared-prod', client_id: 'shared-prod', client_secret: PRODUCT_SECRET, type: 'installed' },
    });
    expect(shared.status).toBe(201);
    const before = fake.tokenCalls();

    const res = await api('POST', '/v1/tenants/acme/credentials', {
      ...admin,
      body: { kind: 'client_credentials', oauth_client_id: 'shared-prod' },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'conflict' });
    expect(fake.tokenCalls()).toBe(before);
    const rows = await t.db.query(`SELECT id FROM credentials WHERE oauth_client_id = 'shared-prod'`);
    expect(rows).toHaveLength(0);
  });

  it('never mints through a client that is shared now, even for a credential stored before', async () => {
    await tenantWithProductClient(api, fake, 'legacy');
    // As an older broker let it be: the product client of this credential has no tenant.
    await t.db.query(`UPDATE oauth_clients SET tenant_id = NULL WHERE id = 'legacy-prod'`);
    clock.advance(HOUR); // the stored token has expired: serving it needs a mint
    const legacyCalls = () => fake.tokenCalls({ clientId: 'legacy-prod' });
    const before = legacyCalls();

    const res = await api('POST', '/v1/tenants/legacy/tokens', { ...admin, body: {} });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'conflict' });
    expect(legacyCalls()).toBe(before);

    // Nor does the sweep: it leaves the credential to ops instead of minting.
    expect((await api('POST', '/v1/admin/refresh-runs', admin)).status).toBe(200);
    expect(legacyCalls()).toBe(before);
    const [row] = await t.db.query<{ status: string }>(
      `SELECT status FROM credentials WHERE tenant_id = 'legacy'`,
    );
    expect(row?.status).toBe('needs_reauth');
  });
});
