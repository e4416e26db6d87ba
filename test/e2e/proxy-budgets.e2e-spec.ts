import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Call, client } from '../support/http.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';
import { ParticleFake } from '../support/particle-fake.js';
import { recordedFetch } from '../support/recorded-fetch.js';
import { SseClient } from '../support/sse-client.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

const TIMINGS = {
  keepAliveMs: 1_000,
  lingerMs: 100,
  idleMs: 5_000,
  backoffMs: 50,
  backoffCapMs: 200,
  maxBufferedBytes: 64 * 1024,
};

interface Problem {
  code: string;
  scope?: string;
}

/** PARTICLE_API_BUDGET and the stream limits (design.md §9.1, §11) across tenants and replicas. */
describe('proxy budgets', () => {
  let fake: ParticleFake;
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let api: Call;
  const open: SseClient[] = [];
  const env = () => ({
    PARTICLE_API_URL: fake.url,
    PARTICLE_API_BUDGET: '40',
    PARTICLE_TENANT_SHARE: '0.25',
    PARTICLE_STREAM_LIMIT: '2',
  });
  const get = (app: TestApp, tenant: string, path = '/v1/products/1000/devices') =>
    recordedFetch(`${app.url}/v1/tenants/${tenant}/particle${path}`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
  const subscribe = async (app: TestApp, path: string) => {
    const c = await SseClient.open(`${app.url}/v1/tenants/acme/particle${path}`, TEST_ADMIN_KEY);
    open.push(c);
    return c;
  };

  beforeAll(async () => {
    fake = await ParticleFake.start();
    db = await createTestDatabase();
    a = await startTestApp({ db, env: env(), streamTimings: TIMINGS });
    b = await startTestApp({ db, env: env(), streamTimings: TIMINGS });
    api = client(a.url);
    await tenantWithProductClient(api, fake, 'acme');
    await tenantWithProductClient(api, fake, 'globex');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await db.drop();
    await fake.close();
  });

  it('lets a tenant alone use more than its share, then holds it to its share once another asks', async () => {
    for (let i = 0; i < 12; i++) expect((await get(i % 2 ? a : b, 'acme')).status).toBe(200);
    expect((await get(a, 'globex')).status).toBe(200);
    const refused = await get(b, 'acme');
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await refused.json()) as Problem).toMatchObject({
      code: 'api_budget_exhausted',
      scope: 'tenant',
    });
    expect((await get(b, 'globex')).status).toBe(200);
  });

  it('refuses everyone with scope global once the budget is spent, before calling Particle', async () => {
    await tenantWithProductClient(api, fake, 'initech');
    await tenantWithProductClient(api, fake, 'umbrella');
    // acme has 12 and globex 2 of the 40; globex and initech take their shares of 10, umbrella the rest.
    const spend = async (tenant: string): Promise<Response> => {
      for (;;) {
        const res = await get(a, tenant);
        if (res.status !== 200) return res;
      }
    };
    expect((await (await spend('globex')).json()) as Problem).toMatchObject({ scope: 'tenant' });
    expect((await (await spend('initech')).json()) as Problem).toMatchObject({ scope: 'tenant' });
    const before = fake.requests.length;
    const refused = await spend('umbrella');
    expect(refused.status).toBe(503);
    expect((await refused.json()) as Problem).toMatchObject({
      code: 'api_budget_exhausted',
      scope: 'global',
    });
    expect(fake.requests.length - before).toBe(8);
    const egress = await api<{
      api_budget: { used: number; limit: number };
      tenants: { tenant_id: string }[];
    }>('GET', '/v1/admin/egress', { key: TEST_ADMIN_KEY });
    expect(egress.body.api_budget).toMatchObject({ limit: 40, used: 40 });
    expect(egress.body.tenants.map((t) => t.tenant_id).sort()).toEqual([
      'acme',
      'globex',
      'initech',
      'umbrella',
    ]);
  });

  it('shares PARTICLE_STREAM_LIMIT between replicas, and frees a slot when its stream closes', async () => {
    await subscribe(a, '/v1/products/1000/events/one');
    const second = await subscribe(b, '/v1/products/1000/events/two');
    expect(second.status).toBe(200);
    const refused = await recordedFetch(`${a.url}/v1/tenants/acme/particle/v1/products/1000/events/three`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    expect(refused.status).toBe(503);
    expect((await refused.json()) as Problem).toMatchObject({
      code: 'stream_limit_reached',
      scope: 'global',
    });
    const egress = await api<{ streams: { open: number; limit: number } }>('GET', '/v1/admin/egress', {
      key: TEST_ADMIN_KEY,
    });
    expect(egress.body.streams).toMatchObject({ open: 2, limit: 2 });
    await second.close();
    open.splice(open.indexOf(second), 1);
    await second.until(() => fake.openStreams('/v1/products/1000/events/two') === 0);
    let third: SseClient | undefined;
    for (let i = 0; i < 50 && third?.status !== 200; i++) {
      await third?.close();
      third = await subscribe(a, '/v1/products/1000/events/three');
      if (third.status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(third?.status).toBe(200);
  });

  it('refuses bad input with problem+json and calls nothing', async () => {
    const before = fake.requests.length;
    const cases: [string, number][] = [
      ['/v1/tenants/NOT_A_TENANT/particle/v1/devices', 404],
      ['/v1/tenants/no-such-tenant/particle/v1/devices', 404],
      ['/v1/tenants/acme/particle/v1/devices?name=%00', 400],
      ['/v1/tenants/acme/particle/v1/devices/%2e%2e/clients', 403],
    ];
    for (const [path, status] of cases) {
      const res = await recordedFetch(`${b.url}${path}`, {
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
      });
      expect(res.status, path).toBe(status);
      expect(res.headers.get('content-type'), path).toContain('application/problem+json');
    }
    expect(fake.requests.length).toBe(before);
  });
});
