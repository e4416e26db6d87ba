import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../support/clock.js';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { recordedFetch } from '../support/recorded-fetch.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

/** The proxy of design.md §11 with plain fetch; the official SDK's view is in proxy-sdk.e2e-spec.ts. */
const DEVICE = 'e00fce681f2e3c4d5a6b7c8d';

describe('Particle API proxy', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;
  const admin = { key: TEST_ADMIN_KEY };
  let serviceKey: string;
  let proxyKey: string;
  let otherKey: string;
  let credentialId: string;
  const clock = new TestClock();
  const proxied = (tenant = 'acme') => `${t.url}/v1/tenants/${tenant}/particle`;
  const upstream = (path: string) => fake.requests.filter((r) => r.path === path);
  const keyFor = async (role: string, tenants: string[]) =>
    (await api<{ key: string }>('POST', '/v1/api-keys', { ...admin, body: { name: role, role, tenants } }))
      .body.key;

  beforeAll(async () => {
    fake = await ParticleFake.start();
    t = await startTestApp({
      env: {
        PARTICLE_API_URL: fake.url,
        PARTICLE_TIMEOUT_MS: '1500',
        PROXY_MAX_BODY_BYTES: '100000',
        TOKEN_TTL_SECONDS: '3600',
      },
      clock,
    });
    api = client(t.url);
    ({ credentialId } = await tenantWithProductClient(api, fake, 'acme'));
    fake.addDevice({
      id: DEVICE,
      name: 'boron-1',
      productId: 1000,
      functions: { led: (arg) => (arg === 'on' ? 1 : 0) },
      variables: { temp: 21.5 },
    });
    await tenantWithProductClient(api, fake, 'globex');
    serviceKey = await keyFor('service', ['acme']);
    proxyKey = await keyFor('proxy', ['acme']);
    otherKey = await keyFor('proxy', ['globex']);
  });
  beforeEach(() => fake.clearFaults());
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it("forwards a GET with the tenant's token and answers Particle's body, status and headers", async () => {
    const res = await recordedFetch(`${proxied()}/v1/products/1000/devices?page=1`, {
      headers: { authorization: `Bearer ${proxyKey}`, cookie: 'session=abc', 'x-forwarded-for': '10.0.0.1' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(res.headers.get('content-type')).toContain('application/json');
    // The app's security headers on Particle's answer too.
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const listed = (await res.json()) as { devices: { id: string }[] };
    expect(listed.devices.map((d) => d.id)).toEqual([DEVICE]);
    const seen = upstream('/v1/products/1000/devices').at(-1);
    expect(seen?.query).toBe('page=1');
    expect(seen?.method).toBe('GET');
    expect(seen?.headers.authorization).toMatch(/^Bearer /);
    expect(seen?.headers.authorization).not.toContain(proxyKey);
    expect(seen?.headers.cookie).toBeUndefined();
    expect(seen?.headers['x-forwarded-for']).toBeUndefined();
  });

  it('accepts service and admin keys too, and refuses keys of other tenants and bad keys', async () => {
    for (const key of [serviceKey, TEST_ADMIN_KEY]) {
      const res = await recordedFetch(`${proxied()}/v1/devices`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(res.status).toBe(200);
    }
    const other = await recordedFetch(`${proxied()}/v1/devices`, {
      headers: { authorization: `Bearer ${otherKey}` },
    });
    expect(other.status).toBe(403);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
    const none = await recordedFetch(`${proxied()}/v1/devices`);
    expect(none.status).toBe(401);
    const bad = await recordedFetch(`${proxied()}/v1/devices`, {
      headers: { authorization: 'Bearer ptb_nope' },
    });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { code: string }).code).toBe('unauthorized');
  });

  it('never gives a proxy key a token: /tokens and every other broker route answer 403', async () => {
    const tokens = await api('POST', '/v1/tenants/acme/tokens', { key: proxyKey, body: {} });
    expect(tokens.status).toBe(403);
    expect(tokens.body.code).toBe('forbidden');
    const list = await api('GET', '/v1/tenants/acme/credentials', { key: proxyKey });
    expect(list.status).toBe(403);
  });

  it.each([
    ['POST', '/oauth/token'],
    ['GET', '/v1/access_tokens'],
    ['DELETE', '/v1/access_tokens/current'],
    ['GET', '/v1/clients'],
    ['POST', '/v1/products/1234/clients'],
    ['GET', '/v1/products/1234/team'],
    ['PUT', '/v1/user'],
    ['POST', '/v1/products/1234/customers'],
    ['GET', '/v1/devices/..%2F..%2Foauth/token'],
    ['GET', '/v2/anything'],
  ])('refuses %s %s with 403 before calling Particle', async (method, path) => {
    const before = fake.requests.length;
    const res = await recordedFetch(`${proxied()}${path}`, {
      method,
      headers: { authorization: `Bearer ${proxyKey}` },
    });
    expect(res.status).toBe(403);
    const problem = (await res.json()) as { code: string; requestId: string };
    expect(problem.code).toBe('forbidden');
    expect(problem.requestId).toBe(res.headers.get('x-request-id'));
    expect(fake.requests.length).toBe(before);
  });

  it("passes Particle's own errors and 429 through unchanged", async () => {
    const missing = await recordedFetch(`${proxied()}/v1/devices/nope/nothing-here`, {
      method: 'POST',
      headers: { authorization: `Bearer ${proxyKey}` },
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).not.toContain('problem');
    fake.injectFault(
      { kind: 'status', status: 429, body: { error: 'rate limited' } },
      { path: '/v1/devices' },
    );
    const limited = await recordedFetch(`${proxied()}/v1/devices`, {
      headers: { authorization: `Bearer ${proxyKey}` },
    });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ error: 'rate limited' });
  });

  it('heals a revoked token by one renewal and one retry, invisibly to the caller', async () => {
    const first = await recordedFetch(`${proxied()}/v1/devices`, {
      headers: { authorization: `Bearer ${proxyKey}` },
    });
    expect(first.status).toBe(200);
    const used = upstream('/v1/devices').at(-1)?.headers.authorization as string;
    fake.revokeToken(used.slice('Bearer '.length));
    const mintsBefore = fake.tokenCalls({ grantType: 'client_credentials' });
    const healed = await recordedFetch(`${proxied()}/v1/devices`, {
      headers: { authorization: `Bearer ${proxyKey}` },
    });
    expect(healed.status).toBe(200);
    expect(healed.headers.get('www-authenticate')).toBeNull();
    expect(fake.tokenCalls({ grantType: 'client_credentials' })).toBe(mintsBefore + 1);
    const [rejected, retried] = upstream('/v1/devices').slice(-2);
    expect(rejected?.status).toBe(401);
    expect(retried?.status).toBe(200);
    expect(retried?.headers.authorization).not.toBe(used);
  });

  it('retries a buffered body after a 401 with the same bytes', async () => {
    const first = await recordedFetch(`${proxied()}/v1/devices`, {
      headers: { authorization: `Bearer ${proxyKey}` },
    });
    await first.arrayBuffer();
    const used = upstream('/v1/devices').at(-1)?.headers.authorization as string;
    fake.revokeToken(used.slice('Bearer '.length));
    const res = await recordedFetch(`${proxied()}/v1/devices/${DEVICE}/led`, {
      method: 'POST',
      headers: { authorization: `Bearer ${proxyKey}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'arg=on',
    });
    expect(await res.json()).toMatchObject({ id: DEVICE, return_value: 1 });
    const calls = upstream(`/v1/devices/${DEVICE}/led`);
    expect(calls).toHaveLength(2);
    expect(calls.map((c) => c.body)).toEqual(['arg=on', 'arg=on']);
    expect(calls[1]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('refuses a body over PROXY_MAX_BODY_BYTES with 413, declared or streamed', async () => {
    const big = Buffer.alloc(100_001, 'a');
    const declared = await recordedFetch(`${proxied()}/v1/devices/abc`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${proxyKey}`, 'content-type': 'application/octet-stream' },
      body: big,
    });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { code: string }).code).toBe('validation_failed');
  });

  it('streams a large body (not retried) to Particle unchanged', async () => {
    const body = Buffer.alloc(90_000, 'b');
    const res = await recordedFetch(`${proxied()}/v1/devices/abc`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${proxyKey}`, 'content-type': 'application/octet-stream' },
      body,
    });
    await res.arrayBuffer();
    expect(upstream('/v1/devices/abc').at(-1)?.body.length).toBe(90_000);
  });

  it('answers 503 upstream_unavailable when Particle times out or resets, never hangs', async () => {
    fake.injectFault({ kind: 'timeout' }, { path: '/v1/devices', times: 1 });
    const slow = await recordedFetch(`${proxied()}/v1/devices`, {
      headers: { authorization: `Bearer ${proxyKey}` },
    });
    expect(slow.status).toBe(503);
    expect(slow.headers.get('retry-after')).toBeTruthy();
    expect(((await slow.json()) as { code: string }).code).toBe('upstream_unavailable');
    fake.injectFault({ kind: 'reset' }, { path: '/v1/devices', times: 1 });
    const reset = await recordedFetch(`${proxied()}/v1/devices`, {
      headers: { authorization: `Bearer ${proxyKey}` },
    });
    expect(reset.status).toBe(503);
  });

  it('validates X-Broker-Credential-Id and uses the credential it names', async () => {
    const bad = await recordedFetch(`${proxied()}/v1/devices`, {
      headers: { authorization: `Bearer ${proxyKey}`, 'x-broker-credential-id': 'not-a-uuid' },
    });
    expect(bad.status).toBe(400);
    const named = await recordedFetch(`${proxied()}/v1/devices`, {
      headers: { authorization: `Bearer ${proxyKey}`, 'x-broker-credential-id': credentialId },
    });
    expect(named.status).toBe(200);
    expect(upstream('/v1/devices').at(-1)?.headers['x-broker-credential-id']).toBeUndefined();
    const unknown = await recordedFetch(`${proxied()}/v1/devices`, {
      headers: { authorization: `Bearer ${proxyKey}`, 'x-broker-credential-id': crypto.randomUUID() },
    });
    expect(unknown.status).toBe(404);
  });

  it('audits every proxied request with method, path, status and bytes, never the query', async () => {
    const res = await recordedFetch(`${proxied()}/v1/devices?secret=hush`, {
      headers: { authorization: `Bearer ${proxyKey}` },
    });
    const received = (await res.arrayBuffer()).byteLength;
    const requestId = res.headers.get('x-request-id');
    let row: Record<string, unknown> | undefined;
    for (let i = 0; i < 50 && !row; i++) {
      const page = await api<{ items: Record<string, unknown>[] }>(
        'GET',
        '/v1/audit-events?action=proxy.request',
        admin,
      );
      row = page.body.items.find((e) => e.request_id === requestId);
      if (!row) await new Promise((r) => setTimeout(r, 50));
    }
    expect(row?.actor).toBeTruthy();
    expect(row).toMatchObject({
      tenant_id: 'acme',
      outcome: 'success',
      target: credentialId,
    });
    expect(row?.details).toMatchObject({
      method: 'GET',
      path: '/v1/devices',
      status: 200,
      upstream_status: 200,
      // The fake answers without a length: the bytes were counted as they went to the caller.
      bytes: received,
    });
    expect(received).toBeGreaterThan(0);
    expect(JSON.stringify(row)).not.toContain('hush');
  });

  // Last: it moves the broker's clock an hour on.
  it('forwards with the cached token while it lasts 60 s more, and with a renewed one after', async () => {
    const get = () =>
      recordedFetch(`${proxied()}/v1/devices`, { headers: { authorization: `Bearer ${proxyKey}` } });
    expect((await get()).status).toBe(200);
    const mintsBefore = fake.tokenCalls({ grantType: 'client_credentials' });
    const cached = upstream('/v1/devices').at(-1)?.headers.authorization;
    clock.advance(3_600_000 - 120_000); // 2 minutes left: still enough for a proxied request
    expect((await get()).status).toBe(200);
    expect(upstream('/v1/devices').at(-1)?.headers.authorization).toBe(cached);
    expect(fake.tokenCalls({ grantType: 'client_credentials' })).toBe(mintsBefore);
    clock.advance(90_000); // 30 s left: too little, renewed first
    expect((await get()).status).toBe(200);
    expect(upstream('/v1/devices').at(-1)?.headers.authorization).not.toBe(cached);
    expect(fake.tokenCalls({ grantType: 'client_credentials' })).toBe(mintsBefore + 1);
  });
});
