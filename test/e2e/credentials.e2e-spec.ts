import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParticleFake } from '../support/particle-fake.js';
import { Call, client } from '../support/http.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

const PRODUCT_SECRET = 'product-secret-aaaaaaaaaaaaaaaa';
const PASSWORD = 'hunter2-correct-horse';
const MFA_PASSWORD = 'mfa-user-password-zzz';
const OTP = '424242';

interface Cred {
  id: string;
  kind: string;
  status: string;
  access_expires_at: string | null;
  scope: string | null;
}

describe('credential onboarding', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;
  const seen: string[] = [];
  const admin = { key: TEST_ADMIN_KEY };

  beforeAll(async () => {
    fake = await ParticleFake.start();
    fake.addClient({ id: 'particle', secret: 'particle', kind: 'user' });
    fake.addClient({ id: 'acme-prod-1', secret: PRODUCT_SECRET, kind: 'product', productId: 1001 });
    fake.addUser({ username: 'dev@acme.com', password: PASSWORD });
    fake.addUser({ username: 'mfa@acme.com', password: MFA_PASSWORD, mfaSecretOtp: OTP });
    t = await startTestApp({ env: { PARTICLE_API_URL: fake.url, TOKEN_TTL_SECONDS: '3600' } });
    api = client(t.url, seen);
    await api('POST', '/v1/tenants', { ...admin, body: { id: 'acme', name: 'Acme' } });
    await api('POST', '/v1/oauth-clients', {
      ...admin,
      body: {
        id: 'acme-prod',
        tenant_id: 'acme',
        client_id: 'acme-prod-1',
        client_secret: PRODUCT_SECRET,
        type: 'installed',
        product_id: '1001',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('adds a client_credentials credential after a first mint with the broker’s TTL', async () => {
    const res = await api<Cred>('POST', '/v1/tenants/acme/credentials', {
      ...admin,
      body: { kind: 'client_credentials', oauth_client_id: 'acme-prod' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      kind: 'client_credentials',
      status: 'active',
      oauth_client_id: 'acme-prod',
      scope: null,
    });
    const mint = fake.requests.find((r) => r.form?.grant_type === 'client_credentials');
    expect(mint?.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(mint?.headers.authorization).toMatch(/^Basic /);
    expect(mint?.form?.expires_in).toBe('3600');
    const expiresIn = (Date.parse(res.body.access_expires_at ?? '') - Date.now()) / 1000;
    expect(expiresIn).toBeGreaterThan(3500);
    expect(expiresIn).toBeLessThanOrEqual(3600);
  });

  it('supports a customer scope', async () => {
    const res = await api<Cred>('POST', '/v1/tenants/acme/credentials', {
      ...admin,
      body: { kind: 'client_credentials', oauth_client_id: 'acme-prod', scope: 'customer=jane@example.com' },
    });
    expect(res.status).toBe(201);
    expect(res.body.scope).toBe('customer=jane@example.com');
  });

  it('logs in with a password, stores no password, and lists the credential', async () => {
    const res = await api<Cred>('POST', '/v1/tenants/acme/credentials', {
      ...admin,
      body: { kind: 'password', username: 'dev@acme.com', password: PASSWORD, expires_in: 0 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'password', access_expires_at: null });
    const list = await api<{ items: Cred[] }>('GET', '/v1/tenants/acme/credentials', admin);
    expect(list.body.items.map((c) => c.kind)).toContain('password');
    const tenant = await api<{ credentials: Cred[] }>('GET', '/v1/tenants/acme', admin);
    expect(tenant.body.credentials.length).toBe(list.body.items.length);
  });

  it('runs the MFA step: wrong OTP (401, attempts left) then the right one', async () => {
    const start = await api<{ status: string; challenge_id: string; expires_at: string }>(
      'POST',
      '/v1/tenants/acme/credentials',
      {
        ...admin,
        body: { kind: 'password', username: 'mfa@acme.com', password: MFA_PASSWORD },
      },
    );
    expect(start.status).toBe(202);
    expect(start.body.status).toBe('mfa_required');
    const wrong = await api('POST', '/v1/tenants/acme/credentials/mfa', {
      ...admin,
      body: { challenge_id: start.body.challenge_id, otp: '000000' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ attempts_left: 2 });
    const right = await api<Cred>('POST', '/v1/tenants/acme/credentials/mfa', {
      ...admin,
      body: { challenge_id: start.body.challenge_id, otp: OTP },
    });
    expect(right.status).toBe(201);
    expect(right.body.kind).toBe('password');
    const replay = await api('POST', '/v1/tenants/acme/credentials/mfa', {
      ...admin,
      body: { challenge_id: start.body.challenge_id, otp: OTP },
    });
    expect(replay.status).toBe(404);
  });

  it('imports a token after Particle confirms it, and refuses one Particle does not know', async () => {
    const { accessToken } = fake.issueToken({
      clientId: 'particle',
      username: 'dev@acme.com',
      expiresInSeconds: 86_400,
    });
    const ok = await api<Cred>('POST', '/v1/tenants/acme/credentials', {
      ...admin,
      body: { kind: 'token', access_token: accessToken },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.kind).toBe('token');
    const bad = await api('POST', '/v1/tenants/acme/credentials', {
      ...admin,
      body: { kind: 'token', access_token: 'ffffffffffffffffffffffffffffffffffffffff' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ code: 'validation_failed' });
  });

  it('refuses a wrong password with 422 and stores nothing', async () => {
    const before = await t.db.query('SELECT id FROM credentials');
    const res = await api('POST', '/v1/tenants/acme/credentials', {
      ...admin,
      body: { kind: 'password', username: 'dev@acme.com', password: 'wrong-password' },
    });
    expect(res.status).toBe(422);
    expect(await t.db.query('SELECT id FROM credentials')).toHaveLength(before.length);
  });

  it('validates bodies per kind', async () => {
    for (const body of [
      { kind: 'client_credentials' },
      { kind: 'password', username: 'x' },
      { kind: 'token' },
      { kind: 'authorization_code' },
      { kind: 'client_credentials', oauth_client_id: 'acme-prod', scope: 'devices:list' },
    ]) {
      const res = await api('POST', '/v1/tenants/acme/credentials', { ...admin, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(
      (
        await api('POST', '/v1/tenants/ghost/credentials', {
          ...admin,
          body: { kind: 'token', access_token: 'abcdefgh12345' },
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await api('POST', '/v1/tenants/acme/credentials', {
          ...admin,
          body: { kind: 'client_credentials', oauth_client_id: 'nope' },
        })
      ).status,
    ).toBe(404);
  });

  it('revokes at Particle and erases on delete', async () => {
    const { accessToken } = fake.issueToken({
      clientId: 'particle',
      username: 'dev@acme.com',
      expiresInSeconds: 86_400,
    });
    const created = await api<Cred>('POST', '/v1/tenants/acme/credentials', {
      ...admin,
      body: { kind: 'token', access_token: accessToken },
    });
    expect((await api('DELETE', `/v1/tenants/acme/credentials/${created.body.id}`, admin)).status).toBe(204);
    const check = await fetch(`${fake.url}/v1/access_tokens/current`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(check.status).toBe(401);
    expect(await t.db.query('SELECT id FROM credentials WHERE id = $1', [created.body.id])).toEqual([]);
    expect((await api('DELETE', `/v1/tenants/acme/credentials/${created.body.id}`, admin)).status).toBe(404);
  });

  it('deleting a tenant revokes its tokens at Particle', async () => {
    await api('POST', '/v1/tenants', { ...admin, body: { id: 'leaving', name: 'Leaving' } });
    const { accessToken } = fake.issueToken({
      clientId: 'particle',
      username: 'dev@acme.com',
      expiresInSeconds: 86_400,
    });
    await api('POST', '/v1/tenants/leaving/credentials', {
      ...admin,
      body: { kind: 'token', access_token: accessToken },
    });
    expect((await api('DELETE', '/v1/tenants/leaving', admin)).status).toBe(204);
    const check = await fetch(`${fake.url}/v1/access_tokens/current`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(check.status).toBe(401);
  });

  it('audits every onboarding step without secrets', async () => {
    const rows = await t.db.query<{ action: string; outcome: string }>(
      `SELECT action, outcome FROM audit_events WHERE action LIKE 'credential.%'`,
    );
    expect(rows.some((r) => r.action === 'credential.create' && r.outcome === 'success')).toBe(true);
    expect(rows.some((r) => r.action === 'credential.mfa' && r.outcome === 'failure')).toBe(true);
    expect(rows.some((r) => r.action === 'credential.delete' && r.outcome === 'success')).toBe(true);
  });

  it('leaves no token, secret, password or OTP in logs, responses or the database', async () => {
    const secrets = [...fake.allIssuedSecrets(), PRODUCT_SECRET, PASSWORD, MFA_PASSWORD, OTP].filter(
      (s) => s.length >= 6 && s !== 'particle',
    );
    expect(secrets.length).toBeGreaterThan(5);
    const dump = JSON.stringify(
      await t.db.query(
        `SELECT row_to_json(x)::text AS r FROM (
           SELECT * FROM audit_events) x
         UNION ALL SELECT row_to_json(c)::text FROM credentials c
         UNION ALL SELECT row_to_json(m)::text FROM mfa_challenges m
         UNION ALL SELECT row_to_json(s)::text FROM oauth_client_secrets s`,
      ),
    );
    const logs = t.logs.text();
    const responses = seen.join('\n');
    for (const s of secrets) {
      expect(logs, 'logs').not.toContain(s);
      expect(dump, 'database').not.toContain(s);
      expect(responses, 'responses').not.toContain(s);
    }
  });
});

describe('protecting the egress IP during onboarding', () => {
  it('a loop of wrong passwords never brings Particle near its lockout', async () => {
    const fake = await ParticleFake.start();
    fake.addClient({ id: 'particle', secret: 'particle', kind: 'user' });
    fake.addUser({ username: 'dev@acme.com', password: PASSWORD });
    const t = await startTestApp({ env: { PARTICLE_API_URL: fake.url } });
    const api = client(t.url);
    try {
      await api('POST', '/v1/tenants', { key: TEST_ADMIN_KEY, body: { id: 'acme', name: 'Acme' } });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await api('POST', '/v1/tenants/acme/credentials', {
          key: TEST_ADMIN_KEY,
          body: { kind: 'password', username: 'dev@acme.com', password: `wrong-${i}` },
        });
        statuses.push(res.status);
      }
      expect(fake.maxConsecutiveFailuresSeen).toBeLessThan(10);
      expect(statuses.filter((s) => s === 422)).toHaveLength(5);
      expect(statuses.slice(5).every((s) => s === 503)).toBe(true);
    } finally {
      await t.close();
      await fake.close();
    }
  });

  it('with a budget of 3 the fourth token call is refused locally with Retry-After', async () => {
    const fake = await ParticleFake.start();
    fake.addClient({ id: 'prod-1', secret: PRODUCT_SECRET, kind: 'product', productId: 7 });
    const t = await startTestApp({ env: { PARTICLE_API_URL: fake.url, PARTICLE_TOKEN_BUDGET: '3' } });
    const api = client(t.url);
    try {
      await api('POST', '/v1/tenants', { key: TEST_ADMIN_KEY, body: { id: 'acme', name: 'Acme' } });
      await api('POST', '/v1/oauth-clients', {
        key: TEST_ADMIN_KEY,
        body: {
          id: 'prod',
          tenant_id: 'acme',
          client_id: 'prod-1',
          client_secret: PRODUCT_SECRET,
          type: 'installed',
          product_id: '7',
        },
      });
      const body = { kind: 'client_credentials', oauth_client_id: 'prod' };
      for (let i = 0; i < 3; i++)
        expect(
          (await api('POST', '/v1/tenants/acme/credentials', { key: TEST_ADMIN_KEY, body })).status,
        ).toBe(201);
      const fourth = await api('POST', '/v1/tenants/acme/credentials', { key: TEST_ADMIN_KEY, body });
      expect(fourth.status).toBe(503);
      expect(fourth.body).toMatchObject({ code: 'token_budget_exhausted', scope: 'global' });
      expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(fake.tokenCalls()).toBe(3);
    } finally {
      await t.close();
      await fake.close();
    }
  });
});
