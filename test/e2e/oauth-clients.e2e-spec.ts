import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { secretLocation } from '../../src/tenants/oauth-clients.service.js';
import { Call, client } from '../support/http.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

const SECRET = 'oauth-client-secret-0123456789abcdef';

describe('OAuth clients API', () => {
  let t: TestApp;
  let api: Call;
  const seen: string[] = [];
  const admin = { key: TEST_ADMIN_KEY };

  beforeAll(async () => {
    t = await startTestApp();
    api = client(t.url, seen);
    await api('POST', '/v1/tenants', { ...admin, body: { id: 'acme', name: 'Acme' } });
  });
  afterAll(async () => t.close());

  it('registers a tenant product client with secret version 1 and never returns the secret', async () => {
    const res = await api('POST', '/v1/oauth-clients', {
      ...admin,
      body: {
        id: 'acme-fleet',
        tenant_id: 'acme',
        client_id: 'acme-fleet-2146',
        client_secret: SECRET,
        type: 'installed',
        product_id: '12345',
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: 'acme-fleet',
      tenant_id: 'acme',
      client_id: 'acme-fleet-2146',
      type: 'installed',
      product_id: '12345',
      redirect_uri: null,
      status: 'active',
      secret_versions: [{ version: 1, client_id: 'acme-fleet-2146', state: 'active', retire_after: null }],
    });
    expect(res.text).not.toContain(SECRET);
  });

  it('stores the secret sealed and bound to its row', async () => {
    const [row] = await t.db.query<{ id: string; secret_sealed: string }>(
      `SELECT id, secret_sealed FROM oauth_client_secrets WHERE oauth_client_id = 'acme-fleet'`,
    );
    expect(row?.secret_sealed).not.toContain(SECRET);
    const box = t.app.get(SecretBox);
    expect(box.open(row?.secret_sealed ?? '', secretLocation(row?.id ?? ''))).toBe(SECRET);
    expect(() => box.open(row?.secret_sealed ?? '', secretLocation('another-row'))).toThrow();
  });

  it('registers a shared web client and lists and gets clients without secrets', async () => {
    const res = await api('POST', '/v1/oauth-clients', {
      ...admin,
      body: {
        id: 'connect-app',
        client_id: 'broker-connect',
        client_secret: SECRET,
        type: 'web',
        redirect_uri: 'https://broker.example.com/oauth/callback',
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ tenant_id: null, type: 'web' });
    const list = await api<{ items: { id: string }[] }>('GET', '/v1/oauth-clients', admin);
    expect(list.body.items.map((c) => c.id)).toEqual(['acme-fleet', 'connect-app']);
    const forTenant = await api<{ items: { id: string }[] }>(
      'GET',
      '/v1/oauth-clients?tenant_id=acme',
      admin,
    );
    expect(forTenant.body.items.map((c) => c.id)).toEqual(['acme-fleet']);
    expect((await api('GET', '/v1/oauth-clients/connect-app', admin)).body).toMatchObject({
      id: 'connect-app',
    });
    expect((await api('GET', '/v1/oauth-clients/nope', admin)).status).toBe(404);
    expect(seen.join('\n')).not.toContain(SECRET);
  });

  it('rejects bad clients and changes nothing', async () => {
    const base = { id: 'bad-one', client_id: 'cid-123', client_secret: 's', type: 'installed' };
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...base, type: 'web' }, 400, 'redirect_uri'],
      [{ ...base, type: 'web', redirect_uri: 'http://evil.example.com/cb' }, 400, 'redirect_uri'],
      [{ ...base, redirect_uri: 'https://x.example.com/cb#frag' }, 400, 'redirect_uri'],
      [{ ...base, type: 'desktop' }, 400, 'type'],
      [{ ...base, product_id: 'Not A Slug' }, 400, 'product_id'],
      [{ ...base, client_secret: '' }, 400, 'client_secret'],
      [{ ...base, tenant_id: 'ghost' }, 404, 'ghost'],
    ];
    for (const [body, status, mention] of cases) {
      const res = await api<{ detail: string }>('POST', '/v1/oauth-clients', { ...admin, body });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.text).toContain(mention);
    }
    const loopback = await api('POST', '/v1/oauth-clients', {
      ...admin,
      body: { ...base, id: 'local-web', type: 'web', redirect_uri: 'http://127.0.0.1:3000/oauth/callback' },
    });
    expect(loopback.status).toBe(201);
    expect(await t.db.query(`SELECT id FROM oauth_clients WHERE id = 'bad-one'`)).toEqual([]);
  });

  it('answers 409 to a duplicate id', async () => {
    const res = await api('POST', '/v1/oauth-clients', {
      ...admin,
      body: { id: 'acme-fleet', client_id: 'other', client_secret: 'x', type: 'installed' },
    });
    expect(res.status).toBe(409);
  });

  it('removes a tenant’s clients and secrets with the tenant', async () => {
    await api('POST', '/v1/tenants', { ...admin, body: { id: 'gone-co', name: 'Gone' } });
    await api('POST', '/v1/oauth-clients', {
      ...admin,
      body: {
        id: 'gone-app',
        tenant_id: 'gone-co',
        client_id: 'gone-1',
        client_secret: SECRET,
        type: 'installed',
      },
    });
    expect((await api('DELETE', '/v1/tenants/gone-co', admin)).status).toBe(204);
    expect(await t.db.query(`SELECT 1 FROM oauth_client_secrets WHERE oauth_client_id = 'gone-app'`)).toEqual(
      [],
    );
  });
});
