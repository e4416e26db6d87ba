import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';
import { HOSTILE_NUMERIC_STRINGS, HOSTILE_STRINGS } from '../support/hostile-inputs.js';

const STATE_TABLES = [
  'tenants',
  'oauth_clients',
  'oauth_client_secrets',
  'api_keys',
  'credentials',
  'mfa_challenges',
  'connect_sessions',
  'console_sessions',
];
const RUNS = Number(process.env.BAD_INPUT_RUNS ?? 60);

/** A control character: C0, DEL or C1, NUL most often, as the one PostgreSQL cannot store at all. */
const control = fc
  .oneof(
    { arbitrary: fc.constant(0), weight: 3 },
    { arbitrary: fc.integer({ min: 1, max: 0x1f }), weight: 2 },
    { arbitrary: fc.constant(0x7f), weight: 1 },
    { arbitrary: fc.integer({ min: 0x80, max: 0x9f }), weight: 1 },
  )
  .map((c) => String.fromCharCode(c));

/** Strings holding control characters among ordinary ones. */
const withControls = fc
  .tuple(
    fc.string({ maxLength: 8 }),
    fc.string({ unit: control, minLength: 1, maxLength: 3 }),
    fc.string({ maxLength: 8 }),
  )
  .map((parts) => parts.join(''));

/** Numbers written as strings, short and far past bigint, and numbers where strings are expected. */
const numericStrings = fc.oneof(
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc.constantFrom(...HOSTILE_NUMERIC_STRINGS),
);
const oddNumbers = fc.constantFrom(0, -0, 1e21, Number.MAX_SAFE_INTEGER + 2, 2 ** 63, -1, 0.5);

/** The kinds of value a type check or a database is likeliest to trip over, drawn most often. */
const tricky = fc.oneof(
  { arbitrary: withControls, weight: 3 },
  { arbitrary: numericStrings, weight: 2 },
  { arbitrary: oddNumbers, weight: 1 },
);

/** Values a careless or hostile caller might send in place of a field. */
const nasty = fc.oneof(
  withControls,
  numericStrings,
  oddNumbers,
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);

/**
 * Bodies: a mix of the endpoint's own field names with nasty values, unknown fields, and non-objects; and,
 * where the endpoint has one, a valid body with one field made nasty, so the value reaches the service.
 */
function bodies(fields: string[], valid?: Record<string, unknown>) {
  const value = fc.oneof({ arbitrary: tricky, weight: 2 }, { arbitrary: nasty, weight: 1 });
  const oneFieldOff = valid
    ? [
        {
          arbitrary: fc
            .tuple(fc.constantFrom(...fields), value)
            .map(([field, v]) => ({ ...valid, [field]: v })),
          weight: 3,
        },
      ]
    : [];
  return fc.oneof(
    {
      arbitrary: fc.dictionary(
        fc.constantFrom(...fields, 'unknown_field', '__proto__', 'constructor'),
        nasty,
        {
          maxKeys: 6,
        },
      ),
      weight: 1,
    },
    { arbitrary: nasty, weight: 1 },
    ...oneFieldOff,
  );
}

const ENDPOINTS: { path: string; fields: string[]; valid?: Record<string, unknown> }[] = [
  { path: '/v1/tenants', fields: ['id', 'name'], valid: { id: 'globex', name: 'Globex' } },
  {
    path: '/v1/oauth-clients',
    fields: ['id', 'tenant_id', 'client_id', 'client_secret', 'type', 'product_id', 'redirect_uri'],
    valid: { id: 'acme-x', tenant_id: 'acme', client_id: 'acme-x-1', client_secret: 's', type: 'installed' },
  },
  {
    path: '/v1/api-keys',
    fields: ['name', 'role', 'tenants', 'expires_at'],
    valid: { name: 'k', role: 'service', tenants: ['acme'], expires_at: '2099-01-01T00:00:00Z' },
  },
  {
    path: '/v1/tenants/acme/credentials',
    fields: ['kind', 'oauth_client_id', 'scope', 'username', 'password', 'expires_in', 'access_token'],
  },
  { path: '/v1/tenants/acme/credentials/mfa', fields: ['challenge_id', 'otp'] },
  {
    path: '/v1/tenants/acme/tokens',
    fields: ['min_ttl_seconds', 'customer', 'credential_id'],
    valid: { min_ttl_seconds: 60 },
  },
  { path: '/v1/tenants/acme/connect-sessions', fields: ['oauth_client_id', 'return_to'] },
  {
    path: '/v1/oauth-clients/acme-prod/rotations',
    fields: ['client_id', 'client_secret', 'grace_seconds', 'mode'],
  },
  // Public: the key header the loop sends is ignored; a body's api_key is what is checked.
  { path: '/v1/console/session', fields: ['api_key'], valid: { api_key: `ptb_${'x'.repeat(43)}` } },
  { path: '/v1/tenants/acme/credentials/00000000-0000-4000-8000-000000000000/renewals', fields: ['force'] },
];

describe('bad input', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;

  // One statement for every table: the snapshot runs twice per case and dominates the file's run time.
  const snapshotSql = STATE_TABLES.map(
    (table) =>
      `SELECT '${table}' AS t, count(*)::int AS n, md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) AS h FROM ${table} x`,
  ).join(' UNION ALL ');
  const snapshot = async () => JSON.stringify(await t.db.query(snapshotSql));

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

  for (const { path, fields, valid } of ENDPOINTS) {
    it(`POST ${path}: never a 5xx, and a 4xx changes nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(bodies(fields, valid), async (body) => {
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
      fc.asyncProperty(
        fc.oneof(fc.string({ minLength: 1, maxLength: 300 }), tricky.map(String)),
        async (raw) => {
          const id = encodeURIComponent(raw);
          for (const [method, path] of [
            ['GET', `/v1/tenants/${id}`],
            ['GET', `/v1/tenants/${id}/credentials`],
            ['DELETE', `/v1/tenants/${id}/credentials/${id}`],
            ['GET', `/v1/oauth-clients/${id}`],
            ['DELETE', `/v1/api-keys/${id}`],
            ['POST', `/v1/tenants/${id}/tokens`],
            ['POST', `/v1/tenants/${id}/credentials/${id}/renewals`],
          ] as const) {
            const res = await api(method, path, {
              key: TEST_ADMIN_KEY,
              ...(method === 'POST' ? { body: {} } : {}),
            });
            expect(res.status, `${method} ${path}`).toBeLessThan(500);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('answers odd query parameters with a 4xx problem, never a 5xx', async () => {
    const queries: [path: string, params: string[]][] = [
      ['/v1/audit-events', ['tenant_id', 'action', 'limit', 'before']],
      ['/v1/tenants', ['limit', 'after']],
      ['/v1/oauth-clients', ['tenant_id']],
      ['/v1/credentials', ['status', 'kind', 'tenant_id', 'limit', 'after']],
      ['/oauth/callback', ['state', 'code', 'error']],
    ];
    // One parameter per request, each with the same value: a second, malformed one would be refused
    // before the first could reach the database.
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 40 }), tricky.map(String)), async (value) => {
        for (const [path, params] of queries) {
          for (const param of params) {
            const url = `${path}?${new URLSearchParams({ [param]: value }).toString()}`;
            const res = await api('GET', url, { key: TEST_ADMIN_KEY });
            expect(res.status, `${url} -> ${res.text}`).toBeLessThan(500);
            // The OAuth callback answers a browser; the JSON API answers problems.
            if (res.status >= 400 && !path.startsWith('/oauth')) {
              expect(res.headers.get('content-type')).toContain('application/problem+json');
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('treats odd console session cookies as no session, and opens none', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 600 }).filter((s) => /^[\x21-\x3a\x3c-\x7e]*$/.test(s)),
        async (value) => {
          const res = await api('GET', '/v1/tenants', { headers: { cookie: `ptb_session=${value}` } });
          expect(res.status).toBe(401);
        },
      ),
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
