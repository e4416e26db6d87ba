import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../support/clock.js';
import { Call, client, HttpResult } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

const admin = { key: TEST_ADMIN_KEY };
// A budget of 20: a tenant's share is 5 calls, on-demand calls stop at 16, 4 are kept for the sweep.
const env = (fake: ParticleFake) => ({ PARTICLE_API_URL: fake.url, PARTICLE_TOKEN_BUDGET: '20' });

interface EgressView {
  token_budget: { used: number };
  tenants: { tenant_id: string; token_calls: number; api_calls: number; streams: number }[];
}

const customerToken = (api: Call, tenant: string, customer: string): Promise<HttpResult<unknown>> =>
  api('POST', `/v1/tenants/${tenant}/tokens`, { ...admin, body: { customer } });

/** The sum of one metric series over every replica's /metrics. */
async function metricSum(apps: TestApp[], series: string): Promise<number> {
  let sum = 0;
  for (const a of apps) {
    const text = await (await fetch(`${a.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    sum += line ? Number(line.slice(series.length + 1)) : 0;
  }
  return sum;
}

describe('tenant shares of the token budget (design.md §9.1)', () => {
  let fake: ParticleFake;
  const apps: TestApp[] = [];
  let calls: Call[];
  const clock = new TestClock();
  const mintsOf = (tenant: string) =>
    fake.tokenCalls({ grantType: 'client_credentials', clientId: `${tenant}-prod` });

  beforeAll(async () => {
    fake = await ParticleFake.start();
    apps.push(await startTestApp({ env: env(fake), clock }));
    apps.push(await startTestApp({ db: apps[0]?.db, env: env(fake), clock }));
    calls = apps.map((a) => client(a.url));
    // One call each: both tenants ask for the budget in this window.
    await tenantWithProductClient(calls[0] as Call, fake, 'acme');
    await tenantWithProductClient(calls[1] as Call, fake, 'globex');
  });
  afterAll(async () => {
    for (const a of apps.reverse()) await a.close();
    await fake.close();
  });

  it('keeps one tenant to its share on two replicas while another asks, and the other is still served', async () => {
    clock.advance(10_000);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => customerToken(calls[i % 2] as Call, 'acme', `c${i}@example.com`)),
    );

    // The onboarding mint plus 4 customers is acme's share of 5; the other 8 never reached Particle.
    expect(results.filter((r) => r.status === 200)).toHaveLength(4);
    expect(mintsOf('acme')).toBe(5);
    const refused = results.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(8);
    for (const r of refused) {
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ code: 'token_budget_exhausted', scope: 'tenant' });
      expect((r.body as { detail: string }).detail).toContain('share');
      // Until acme's oldest call (its onboarding, 10 s ago) leaves the window: 290 s, plus up to a bucket.
      const wait = Number(r.headers.get('retry-after'));
      expect(wait).toBeGreaterThanOrEqual(290);
      expect(wait).toBeLessThanOrEqual(295);
    }

    for (let i = 0; i < 3; i++) {
      const res = await customerToken(calls[i % 2] as Call, 'globex', `g${i}@example.com`);
      expect(res.status).toBe(200);
    }
    expect(mintsOf('globex')).toBe(4);
    expect(await metricSum(apps, 'broker_egress_refusals_total{budget="token",scope="tenant"}')).toBe(8);
    expect(await metricSum(apps, 'broker_egress_token_calls_total{tenant="acme"}')).toBeGreaterThan(0);
  });

  it('lists the tenants of the window in GET /v1/admin/egress, busiest first', async () => {
    const res = await calls[1]?.<EgressView>('GET', '/v1/admin/egress', admin);
    expect(res?.status).toBe(200);
    expect(res?.body.tenants).toEqual([
      { tenant_id: 'acme', token_calls: 5, api_calls: 0, streams: 0 },
      { tenant_id: 'globex', token_calls: 4, api_calls: 0, streams: 0 },
    ]);
    expect(res?.body.token_budget.used).toBe(9);
  });

  it('lets the tenant in again once its oldest call has left the window', async () => {
    clock.advance(295_000);
    const res = await customerToken(calls[0] as Call, 'acme', 'late@example.com');
    expect(res.status).toBe(200);
    expect(mintsOf('acme')).toBe(6);
  });
});

describe('a tenant alone, and the scheduled reserve (design.md §9.1)', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;
  const clock = new TestClock();
  let mainCredential: string;

  beforeAll(async () => {
    fake = await ParticleFake.start();
    t = await startTestApp({ env: env(fake), clock });
    api = client(t.url);
    mainCredential = (await tenantWithProductClient(api, fake, 'solo')).credentialId;
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('lets a tenant alone use more than its share, up to the on-demand limit', async () => {
    // Two more credentials for the sweep below: 3 calls so far.
    for (let i = 0; i < 2; i++) {
      const res = await api('POST', '/v1/tenants/solo/credentials', {
        ...admin,
        body: { kind: 'client_credentials', oauth_client_id: 'solo-prod' },
      });
      expect(res.status).toBe(201);
    }
    for (let i = 0; i < 13; i++) {
      expect((await customerToken(api, 'solo', `s${i}@example.com`)).status).toBe(200);
    }
    expect(fake.tokenCalls()).toBe(16);

    // 16 of 20 is where on-demand calls stop, for the egress as a whole: scope global.
    const over = await customerToken(api, 'solo', 'one-more@example.com');
    expect(over.status).toBe(503);
    expect(over.body).toMatchObject({ code: 'token_budget_exhausted', scope: 'global' });
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(fake.tokenCalls()).toBe(16);
  });

  it('still renews due credentials with the sweep when on-demand mints have reached 80 %', async () => {
    // As if their tokens were minutes from expiry: due for the sweep now.
    const due = new Date(clock.now().getTime() - 1000);
    await t.db.query(
      `UPDATE credentials SET next_attempt_at = $1, access_expires_at = $2
        WHERE tenant_id = 'solo' AND scope IS NULL`,
      [due, new Date(clock.now().getTime() + 120_000)],
    );

    const sweptAt = clock.now().getTime();
    const run = await api<{ renewed: number }>('POST', '/v1/admin/refresh-runs', admin);

    expect(run.status).toBe(200);
    expect(run.body.renewed).toBe(3);
    expect(fake.tokenCalls()).toBe(19);
    const [row] = await t.db.query<{ renewed: Date | null }>(
      `SELECT last_renewed_at AS renewed FROM credentials WHERE id = $1`,
      [mainCredential],
    );
    expect(row?.renewed?.getTime()).toBeGreaterThanOrEqual(sweptAt);
    // The reserve is the sweep's alone: callers are still refused.
    expect((await customerToken(api, 'solo', 's0-again@example.com')).status).toBe(503);
    expect(fake.tokenCalls()).toBe(19);
  });
});
