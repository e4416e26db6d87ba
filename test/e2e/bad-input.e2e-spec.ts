import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

const STATE_TABLES = [
  'tenants',
  'oauth_clients',
  'oauth_client_secrets',
  'api_keys',
  'credentials',
  'mfa_challenges',
  'connect_sessions',
];
const RUNS = Number(process.env.BAD_INPUT_RUNS ?? 40);

/** Values a careless or hostile caller might send in place of a field. */
const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '../../etc/passwd',
    "'; DROP TABLE tenants; --",
    'x'.repeat(5000),
    '{}',
    'NaN',
    '-1',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);

/** Bodies: a mix of the endpoint's own field names with nasty values, unknown fields, and non-objects. */
function bodies(fields: string[]) {
  return fc.oneof(
    fc.dictionary(fc.constantFrom(...fields, 'unknown_field', '__proto__', 'constructor'), nasty, {
      maxKeys: 6,
    }),
    nasty,
  );
}

const ENDPOINTS: { path: string; fields: string[] }[] = [
  { path: '/v1/tenants', fields: ['id', 'name'] },
  {
    path: '/v1/oauth-clients',
    fields: ['id', 'tenant_id', 'client_id', 'client_secret', 'type', 'product_id', 'redirect_uri'],
  },
  { path: '/v1/api-keys', fields: ['name', 'role', 'tenants', 'expires_at'] },
  {
    path: '/v1/tenants/acme/credentials',
    fields: ['kind', 'oauth_client_id', 'scope', 'username', 'password', 'expires_in', 'access_token'],
  },
  { path: '/v1/tenants/acme/credentials/mfa', fields: ['challenge_id', 'otp'] },
  { path: '/v1/tenants/acme/tokens', fields: ['min_ttl_seconds', 'customer', 'credential_id'] },
  { path: '/v1/tenants/acme/connect-sessions', fields: ['oauth_client_id', 'return_to'] },
  {
    path: '/v1/oauth-clients/acme-prod/rotations',
    fields: ['client_id', 'client_secret', 'grace_seconds', 'mode'],
  },
];

describe('bad input', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;

  const snapshot = async () =>
    JSON.stringify(
      await Promise.all(
        STATE_TABLES.map((table) =>
          t.db.query(
            `SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) AS h FROM ${table} x`,
          ),
        ),
      ),
    );

  beforeAll(async () => {
    fake = await ParticleFake.start({ tokenBudget: 100_000, lockoutFailures: 100_000 });
    t = await startTestApp({
      env: { PARTICLE_API_URL: fake.url, PARTICLE_TOKEN_BUDGET: '100000', LOG_LEVEL: 'error' },
    });
    api = client(t.url);
    await tenantWithProductClient(api, fake, 'acme');
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  for (const { path, fields } of ENDPOINTS) {
    it(`POST ${path}: never a 5xx, and a 4xx changes nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(bodies(fields), async (body) => {
          const before = await snapshot();
          const res = await api('POST', path, {
            key: TEST_ADMIN_KEY,
            rawBody: JSON.stringify(body) ?? 'null',
          });
          expect(res.status, `${JSON.stringify(body)} -> ${res.text}`).toBeLessThan(500);
          if (res.status >= 400) {
            expect(res.headers.get('content-type')).toContain('application/problem+json');
            expect(await snapshot(), JSON.stringify(body)).toBe(before);
          }
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('rejects malformed JSON, wrong content types and oversized bodies without a 5xx', async () => {
    const cases: { rawBody: string; headers?: Record<string, string> }[] = [
      { rawBody: '{"id": ' },
      { rawBody: '\u0000\u0001' },
      { rawBody: 'id=acme&name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      { rawBody: '<xml/>', headers: { 'content-type': 'application/xml' } },
      { rawBody: JSON.stringify({ id: 'big', name: 'x'.repeat(100_000) }) },
      { rawBody: '[' + '['.repeat(5000) + ']'.repeat(5001) },
    ];
    for (const c of cases) {
      const res = await api('POST', '/v1/tenants', { key: TEST_ADMIN_KEY, ...c });
      expect(res.status, c.rawBody.slice(0, 40)).toBeGreaterThanOrEqual(400);
      expect(res.status, c.rawBody.slice(0, 40)).toBeLessThan(500);
    }
  });

  it('answers ids in paths that are not ids with a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 300 }), async (raw) => {
        const id = encodeURIComponent(raw);
        for (const [method, path] of [
          ['GET', `/v1/tenants/${id}`],
          ['DELETE', `/v1/tenants/${id}/credentials/${id}`],
          ['GET', `/v1/oauth-clients/${id}`],
          ['DELETE', `/v1/api-keys/${id}`],
          ['POST', `/v1/tenants/${id}/tokens`],
        ] as const) {
          const res = await api(method, path, {
            key: TEST_ADMIN_KEY,
            ...(method === 'POST' ? { body: {} } : {}),
          });
          expect(res.status, `${method} ${path}`).toBeLessThan(500);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('treats odd Authorization headers as missing keys', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 600 }).filter((s) => /^[\t\x20-\x7e]*$/.test(s)),
        async (header) => {
          const res = await api('GET', '/v1/tenants', { headers: { authorization: header } });
          expect(res.status).toBe(401);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
