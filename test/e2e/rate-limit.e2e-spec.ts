import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../support/clock.js';
import { Call, client } from '../support/http.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

const LIMIT = 5;

describe('per-API-key rate limit (RATE_LIMIT_PER_MINUTE)', () => {
  let t: TestApp;
  let api: Call;
  const clock = new TestClock();
  const admin = { key: TEST_ADMIN_KEY };
  let service: { key: string };
  let other: { key: string };

  const newKey = async (name: string): Promise<{ key: string }> => {
    const res = await api<{ key: string }>('POST', '/v1/api-keys', {
      ...admin,
      body: { name, role: 'admin', tenants: ['*'] },
    });
    return { key: res.body.key };
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: String(LIMIT) }, clock });
    api = client(t.url);
    service = await newKey('busy');
    other = await newKey('quiet');
    // A fresh window: the key creations above counted against the bootstrap key, not these.
    clock.advance(120_000);
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 rate_limited with Retry-After past the limit, and changes nothing', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await api('GET', '/v1/tenants', service)).status).toBe(200);
    const refused = await api('POST', '/v1/tenants', { ...service, body: { id: 'never', name: 'never' } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ code: 'rate_limited', status: 429 });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await t.db.query(`SELECT 1 FROM tenants WHERE id = 'never'`)).toHaveLength(0);
  });

  it('counts per key: another key, unauthenticated calls and health checks are unaffected', async () => {
    expect((await api('GET', '/v1/tenants', other)).status).toBe(200);
    expect((await api('GET', '/v1/tenants', { key: 'ptb_wrong' })).status).toBe(401);
    expect((await api('GET', '/health/live')).status).toBe(200);
    expect((await api('GET', '/v1/tenants', service)).status).toBe(429);
  });

  it('lets the key through again once the window has slid past', async () => {
    clock.advance(2 * 60_000);
    expect((await api('GET', '/v1/tenants', service)).status).toBe(200);
  });

  it('is off at 0', async () => {
    const unlimited = await startTestApp({ db: t.db, env: { RATE_LIMIT_PER_MINUTE: '0' } });
    try {
      const call = client(unlimited.url);
      for (let i = 0; i < LIMIT * 3; i++) expect((await call('GET', '/v1/tenants', other)).status).toBe(200);
    } finally {
      await unlimited.close();
    }
  });
});
