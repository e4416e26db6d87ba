import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Call, client } from '../support/http.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

interface OpenApi {
  paths: Record<string, Record<string, unknown>>;
}

/** Routes a service key may call, for the tenants on its key (design.md §6). */
const SERVICE_ROUTES = new Set(['post /v1/tenants/{id}/tokens']);
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
/** The console's sign-in and sign-out take no key: they are how a browser gets (and drops) its session. */
const PUBLIC_ROUTES = new Set(['post /v1/console/session', 'delete /v1/console/session']);

describe('authorization on every documented route', () => {
  let t: TestApp;
  let api: Call;
  let serviceKey: string;
  let routes: [string, string][];

  beforeAll(async () => {
    t = await startTestApp();
    api = client(t.url);
    const key = await api<{ key: string }>('POST', '/v1/api-keys', {
      key: TEST_ADMIN_KEY,
      body: { name: 'svc', role: 'service', tenants: ['other'] },
    });
    serviceKey = key.body.key;
    const doc = (await (await fetch(`${t.url}/docs/openapi.json`)).json()) as OpenApi;
    const all = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => METHODS.includes(m))
        .map((m): [string, string] => [m, path]),
    );
    expect(all.filter(([m, p]) => PUBLIC_ROUTES.has(`${m} ${p}`))).toHaveLength(PUBLIC_ROUTES.size);
    routes = all.filter(([m, p]) => !PUBLIC_ROUTES.has(`${m} ${p}`));
  });
  afterAll(async () => t.close());

  const concrete = (path: string) =>
    path.replace('{id}', 'acme').replace('{credentialId}', '00000000-0000-4000-8000-000000000000');

  it('documents the API (sanity: the list is not empty)', () => {
    expect(routes.length).toBeGreaterThan(15);
  });

  it('refuses every route without a key, with 401 problem+json', async () => {
    for (const [method, path] of routes) {
      const res = await api(
        method.toUpperCase(),
        concrete(path),
        method === 'get' || method === 'delete' ? {} : { body: {} },
      );
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.headers.get('content-type'), `${method} ${path}`).toContain('application/problem+json');
    }
  });

  it('refuses a service key everywhere but token issuance, and there for a tenant not on the key', async () => {
    for (const [method, path] of routes) {
      const res = await api(method.toUpperCase(), concrete(path), {
        key: serviceKey,
        ...(method === 'get' || method === 'delete' ? {} : { body: {} }),
      });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
  });

  it('lets a service key through on its own tenant only where the contract allows', async () => {
    const own = await api<{ key: string }>('POST', '/v1/api-keys', {
      key: TEST_ADMIN_KEY,
      body: { name: 'svc-acme', role: 'service', tenants: ['acme'] },
    });
    for (const [method, path] of routes) {
      const res = await api(method.toUpperCase(), concrete(path), {
        key: own.body.key,
        ...(method === 'get' || method === 'delete' ? {} : { body: {} }),
      });
      const allowed = SERVICE_ROUTES.has(`${method} ${path}`);
      expect(res.status === 403, `${method} ${path} answered ${res.status}`).toBe(!allowed);
      expect(res.status, `${method} ${path}`).not.toBe(401);
    }
  });
});
