import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

/** One of each kind the broker refuses: NUL, other C0 controls (tab and newline too), DEL, C1. */
const CONTROLS = ['\u0000', '\u0001', '\t', '\n', '\r', '\u001f', '\u007f', '\u0080', '\u0085', '\u009f'];

describe('control characters in input', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;
  const admin = { key: TEST_ADMIN_KEY };

  const expectRefused = (res: { status: number; headers: Headers; body: unknown }, field: string) => {
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code: 'validation_failed', errors: [{ field }] });
  };

  beforeAll(async () => {
    fake = await ParticleFake.start();
    t = await startTestApp({ env: { PARTICLE_API_URL: fake.url, LOG_LEVEL: 'error' } });
    api = client(t.url);
    await tenantWithProductClient(api, fake, 'acme');
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('refuses them in path ids with a 400, not a 500', async () => {
    for (const c of CONTROLS) {
      const id = encodeURIComponent(`ac${c}me`);
      expectRefused(await api('GET', `/v1/tenants/${id}`, admin), 'id');
      expectRefused(await api('GET', `/v1/oauth-clients/${id}`, admin), 'id');
      expectRefused(await api('POST', `/v1/tenants/${id}/tokens`, { ...admin, body: {} }), 'id');
      expectRefused(await api('DELETE', `/v1/tenants/acme/credentials/${id}`, admin), 'credentialId');
    }
  });

  it('refuses them in body fields at any depth, and stores nothing, not even an audit row', async () => {
    const [{ n: auditBefore } = { n: -1 }] = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM audit_events',
    );
    for (const c of CONTROLS) {
      expectRefused(
        await api('POST', '/v1/tenants', { ...admin, body: { id: 'globex', name: `Glo${c}bex` } }),
        'name',
      );
      expectRefused(
        await api('POST', '/v1/tenants/acme/tokens', { ...admin, body: { customer: `a${c}b` } }),
        'customer',
      );
      expectRefused(
        await api('POST', '/v1/api-keys', {
          ...admin,
          body: { name: 'k', role: 'service', tenants: ['acme', `x${c}`] },
        }),
        'tenants[1]',
      );
      expectRefused(
        await api('POST', '/v1/tenants', { ...admin, body: { id: 'globex', name: 'G', [`n${c}`]: 1 } }),
        `n${c}`,
      );
    }
    expect(await t.db.query(`SELECT id FROM tenants WHERE id = 'globex'`)).toEqual([]);
    const [{ n: auditAfter } = { n: -2 }] = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM audit_events',
    );
    expect(auditAfter).toBe(auditBefore);
  });

  it('refuses them in query parameters, the OAuth callback included', async () => {
    for (const c of CONTROLS) {
      const v = encodeURIComponent(`a${c}`);
      expectRefused(await api('GET', `/v1/audit-events?action=${v}`, admin), 'action');
      expectRefused(await api('GET', `/v1/oauth-clients?tenant_id=${v}`, admin), 'tenant_id');
      expectRefused(await api('GET', `/oauth/callback?state=${v}&code=x`), 'state');
    }
  });

  it('still takes text with no control characters, non-ASCII included', async () => {
    const res = await api('POST', '/v1/tenants', { ...admin, body: { id: 'umlaut', name: 'Grüße, 東京 ✓' } });
    expect(res.status).toBe(201);
    expect(res.body.name).toBe('Grüße, 東京 ✓');
  });
});
