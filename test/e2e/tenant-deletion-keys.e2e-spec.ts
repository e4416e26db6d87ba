import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY_CACHE_TTL_MS } from '../../src/auth/api-keys.service.js';
import { TestClock } from '../support/clock.js';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

const admin = { key: TEST_ADMIN_KEY };

interface KeyView {
  id: string;
  key: string;
  tenants: string[];
  expires_at: string | null;
}

describe('deleting a tenant takes it off every API key (design.md §9.8), on two replicas', () => {
  let fake: ParticleFake;
  const apps: TestApp[] = [];
  let deleting: Call;
  let other: Call;
  const clock = new TestClock();
  let acmeOnly: KeyView;
  let acmeAndGlobex: KeyView;
  let everyTenant: KeyView;

  const newKey = async (tenants: string[]) =>
    (
      await deleting<KeyView>('POST', '/v1/api-keys', {
        ...admin,
        body: { name: 'svc', role: 'service', tenants },
      })
    ).body;
  const token = (api: Call, key: KeyView, tenant: string) =>
    api('POST', `/v1/tenants/${tenant}/tokens`, { key: key.key, body: {} });

  beforeAll(async () => {
    fake = await ParticleFake.start();
    const env = { PARTICLE_API_URL: fake.url };
    apps.push(await startTestApp({ env, clock }));
    apps.push(await startTestApp({ db: apps[0]?.db, env, clock }));
    [deleting, other] = apps.map((a) => client(a.url)) as [Call, Call];
    await tenantWithProductClient(deleting, fake, 'acme');
    await tenantWithProductClient(deleting, fake, 'globex');
    acmeOnly = await newKey(['acme']);
    acmeAndGlobex = await newKey(['acme', 'globex']);
    everyTenant = await newKey(['*']);
  });
  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
    await fake.close();
  });

  it('leaves the old keys no way into a tenant recreated with the same id', async () => {
    // Both replicas have every key cached before the deletion.
    for (const api of [deleting, other])
      for (const key of [acmeOnly, acmeAndGlobex, everyTenant])
        expect((await token(api, key, 'acme')).status).toBe(200);

    expect((await deleting('DELETE', '/v1/tenants/acme', admin)).status).toBe(204);
    await tenantWithProductClient(deleting, fake, 'acme');

    const expectShutOut = async (api: Call) => {
      const alone = await token(api, acmeOnly, 'acme');
      expect(alone.status).toBe(401); // left with no tenant: disabled
      expect(alone.headers.get('content-type')).toContain('application/problem+json');
      expect(alone.body).toMatchObject({ code: 'unauthorized' });
      const shared = await token(api, acmeAndGlobex, 'acme');
      expect(shared.status).toBe(403);
      expect(shared.body).toMatchObject({ code: 'forbidden' });
      expect((await token(api, acmeAndGlobex, 'globex')).status).toBe(200);
      expect((await token(api, everyTenant, 'acme')).status).toBe(200);
    };
    await expectShutOut(deleting); // at once on the replica that deleted it
    clock.advance(API_KEY_CACHE_TTL_MS + 1); // other replicas: within the key cache's bound
    await expectShutOut(other);
  });

  it('shows the change in the key list and in the audit row of the deletion', async () => {
    const keys = await deleting<{ items: KeyView[] }>('GET', '/v1/api-keys', admin);
    const byId = new Map(keys.body.items.map((k) => [k.id, k]));
    expect(byId.get(acmeAndGlobex.id)?.tenants).toEqual(['globex']);
    expect(byId.get(acmeOnly.id)?.tenants).toEqual([]);
    expect(byId.get(acmeOnly.id)?.expires_at).not.toBeNull();
    expect(byId.get(everyTenant.id)).toMatchObject({ tenants: ['*'], expires_at: null });

    const audit = await deleting<{ items: { details: Record<string, unknown> }[] }>(
      'GET',
      '/v1/audit-events?action=tenant.delete',
      admin,
    );
    expect(audit.body.items[0]?.details).toMatchObject({ keys_changed: 2 });
  });
});
