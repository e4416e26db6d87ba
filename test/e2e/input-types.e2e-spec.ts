import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

const PASSWORD = 'input-types-password-123';
const ROTATED = 'rotated-secret-for-input-types';

interface ClientView {
  product_id: string | null;
  secret_versions: { state: string; retire_after: string | null }[];
}

/** Seconds from now to an ISO time, rounded: the grace a rotation was given. */
const secondsUntil = (iso: string | null | undefined) =>
  Math.round((Date.parse(iso ?? '') - Date.now()) / 1000);

describe('input types, as a user of Particle sends them', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;
  const admin = { key: TEST_ADMIN_KEY };

  const newClient = (id: string, productId: unknown) =>
    api<ClientView>('POST', '/v1/oauth-clients', {
      ...admin,
      body: {
        id,
        tenant_id: 'acme',
        client_id: `${id}-1`,
        client_secret: 's3cret',
        type: 'installed',
        product_id: productId,
      },
    });

  beforeAll(async () => {
    fake = await ParticleFake.start();
    fake.addClient({ id: 'particle', secret: 'particle', kind: 'user' });
    fake.addUser({ username: 'dev@acme.com', password: PASSWORD });
    t = await startTestApp({ env: { PARTICLE_API_URL: fake.url, LOG_LEVEL: 'error' } });
    api = client(t.url);
    await tenantWithProductClient(api, fake, 'acme');
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('takes product_id as a JSON number, a numeric string or a slug, and answers and stores a string', async () => {
    for (const [id, sent, answered] of [
      ['by-number', 12345, '12345'],
      ['by-string', '12345', '12345'],
      ['by-slug', 'acme-widgets', 'acme-widgets'],
    ] as const) {
      const res = await newClient(id, sent);
      expect(res.status, res.text).toBe(201);
      expect(res.body.product_id).toBe(answered);
      expect((await api<ClientView>('GET', `/v1/oauth-clients/${id}`, admin)).body.product_id).toBe(answered);
      const [row] = await t.db.query<{ product_id: string }>(
        'SELECT product_id FROM oauth_clients WHERE id = $1',
        [id],
      );
      expect(row?.product_id).toBe(answered);
    }
    const [audit] = await t.db.query<{ details: { product_id: unknown } }>(
      `SELECT details FROM audit_events WHERE action = 'oauth_client.create' AND target = 'by-number'`,
    );
    expect(audit?.details.product_id).toBe('12345');
  });

  it('refuses a product_id number that is no product id, saying what it takes', async () => {
    for (const sent of [0, -5, 1.5, 1e21, true]) {
      const res = await newClient(`bad-${String(sent).replace(/[^a-z0-9]/g, 'x')}`, sent);
      expect(res.status, JSON.stringify(sent)).toBe(400);
      expect(res.body).toMatchObject({ code: 'validation_failed' });
      expect(res.text).toContain('product_id must be a product id (a positive integer');
    }
    expect(await t.db.query(`SELECT id FROM oauth_clients WHERE id LIKE 'bad-%'`)).toEqual([]);
  });

  it('takes min_ttl_seconds as a number or a string of digits', async () => {
    for (const ttl of [300, '300']) {
      const res = await api('POST', '/v1/tenants/acme/tokens', { ...admin, body: { min_ttl_seconds: ttl } });
      expect(res.status, res.text).toBe(200);
      expect(res.body.expires_in).toBeGreaterThanOrEqual(300);
    }
    for (const ttl of ['86401', '-1', '1e3', '300.5', ' 300', '', '99999999999999999999']) {
      const res = await api('POST', '/v1/tenants/acme/tokens', { ...admin, body: { min_ttl_seconds: ttl } });
      expect(res.status, JSON.stringify(ttl)).toBe(400);
      expect(res.body).toMatchObject({ code: 'validation_failed' });
    }
  });

  it('takes a rotation grace_seconds as a number or a string of digits', async () => {
    for (const [round, grace] of [
      [1, 7200],
      [2, '7200'],
    ] as const) {
      const secret = `${ROTATED}-${round}`;
      fake.addClient({ id: `acme-prod-r${round}`, secret, kind: 'product', productId: 1000 });
      const res = await api<ClientView>('POST', '/v1/oauth-clients/acme-prod/rotations', {
        ...admin,
        body: { client_id: `acme-prod-r${round}`, client_secret: secret, grace_seconds: grace },
      });
      expect(res.status, res.text).toBe(201);
      const previous = res.body.secret_versions.find((v) => v.state === 'previous');
      expect(Math.abs(secondsUntil(previous?.retire_after) - 7200)).toBeLessThan(60);
    }
    const grace = await t.db.query<{ g: unknown }>(
      `SELECT details->'grace_seconds' AS g FROM audit_events WHERE action = 'oauth_client.rotate' ORDER BY id`,
    );
    expect(grace.map((r) => r.g)).toEqual([7200, 7200]);
    const refused = await api('POST', '/v1/oauth-clients/acme-prod/rotations', {
      ...admin,
      body: { client_secret: 'whatever', grace_seconds: '2h' },
    });
    expect(refused.status).toBe(400);
  });

  it('takes an API key rotation grace_seconds as a number or a string of digits', async () => {
    for (const grace of [600, '600']) {
      const created = await api<{ id: string; key: string }>('POST', '/v1/api-keys', {
        ...admin,
        body: { name: 'svc', role: 'service', tenants: ['acme'] },
      });
      const rotated = await api('POST', `/v1/api-keys/${created.body.id}/rotate`, {
        ...admin,
        body: { grace_seconds: grace },
      });
      expect(rotated.status, rotated.text).toBe(201);
      // Within the grace the old key still works.
      const old = await api('POST', '/v1/tenants/acme/tokens', { key: created.body.key, body: {} });
      expect(old.status).toBe(200);
    }
  });

  it('takes tenants as a list or as one string, and answers a list', async () => {
    for (const [sent, answered] of [
      [['*'], ['*']],
      ['*', ['*']],
      ['acme', ['acme']],
    ] as const) {
      const res = await api('POST', '/v1/api-keys', {
        ...admin,
        body: { name: 'k', role: 'service', tenants: sent },
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body.tenants).toEqual(answered);
    }
    const refused = await api('POST', '/v1/api-keys', {
      ...admin,
      body: { name: 'k', role: 'service', tenants: 'acme,globex' },
    });
    expect(refused.status).toBe(400);
  });

  it('takes a password expires_in as a number or a string of digits, and asks Particle for it', async () => {
    for (const expires of [3600, '3600']) {
      const res = await api('POST', '/v1/tenants/acme/credentials', {
        ...admin,
        body: { kind: 'password', username: 'dev@acme.com', password: PASSWORD, expires_in: expires },
      });
      expect(res.status, res.text).toBe(201);
      const login = fake.requests.filter((r) => r.form?.grant_type === 'password').at(-1);
      expect(login?.form?.expires_in).toBe('3600');
    }
  });

  it('refuses an otp sent as a number: its leading zeros would be lost', async () => {
    const res = await api('POST', '/v1/tenants/acme/credentials/mfa', {
      ...admin,
      body: { challenge_id: '6c1f7a0e-5d8b-4d55-9a51-0f0d7c7b1f62', otp: 12345 },
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('otp must be a string');
  });

  it('refuses an audit cursor beyond bigint, and takes the largest one', async () => {
    for (const before of ['9223372036854775808', '9999999999999999999', '99999999999999999999', '-1']) {
      const res = await api('GET', `/v1/audit-events?before=${before}`, admin);
      expect(res.status, before).toBe(400);
      expect(res.body).toMatchObject({ code: 'validation_failed' });
    }
    const largest = await api('GET', '/v1/audit-events?before=9223372036854775807&limit=1', admin);
    expect(largest.status).toBe(200);
  });

  it('refuses an API key expires_at that is ISO 8601 but no date PostgreSQL can hold', async () => {
    for (const at of ['-9999-01-01T00:00:00Z', '+2027-06-30T00:00:00Z']) {
      const res = await api('POST', '/v1/api-keys', {
        ...admin,
        body: { name: 'k', role: 'admin', tenants: ['*'], expires_at: at },
      });
      expect(res.status, `${at}: ${res.text}`).toBe(400);
    }
  });
});
