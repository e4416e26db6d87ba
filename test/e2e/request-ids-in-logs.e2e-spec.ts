import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../support/clock.js';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { PRODUCT_SECRET, tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

interface LogLine {
  level: number;
  msg?: string;
  reqId?: string;
  context?: string;
}

const HOUR = 3600_000;

/**
 * Log lines are tied to their request by the id the code passes down (no async context): these are the
 * lines written deepest inside a request, each of which must name it.
 */
describe('request ids in log lines', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;
  const clock = new TestClock();
  const admin = { key: TEST_ADMIN_KEY };

  const linesOf = (requestId: string): LogLine[] =>
    t.logs.lines.map((l) => JSON.parse(l) as LogLine).filter((l) => l.reqId === requestId);

  beforeAll(async () => {
    fake = await ParticleFake.start();
    t = await startTestApp({ env: { PARTICLE_API_URL: fake.url, TOKEN_TTL_SECONDS: '3600' }, clock });
    api = client(t.url);
    await tenantWithProductClient(api, fake, 'acme');
  });
  beforeEach(() => fake.clearFaults());
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('names the request in the Particle call line of a renewal that fails inside POST /tokens', async () => {
    clock.advance(HOUR); // the cached token has expired: the request renews it
    fake.injectFault({ kind: 'status', status: 500 }, { path: '/oauth/token' });
    const res = await api('POST', '/v1/tenants/acme/tokens', {
      ...admin,
      body: {},
      headers: { 'x-request-id': 'deep-token-renewal' },
    });
    expect(res.status).toBe(503);
    const lines = linesOf('deep-token-renewal');
    expect(lines).toContainEqual(
      expect.objectContaining({
        context: 'ParticleClient',
        msg: expect.stringMatching(/^Particle POST \/oauth\/token -> 500 /) as string,
      }),
    );
    expect(lines.some((l) => l.msg === 'request completed')).toBe(true);
  });

  it('names the request in the Particle call line of an onboarding Particle refuses', async () => {
    fake.addClient({ id: 'acme-other', secret: PRODUCT_SECRET, kind: 'product', productId: 1000 });
    await api('POST', '/v1/oauth-clients', {
      ...admin,
      body: {
        id: 'acme-other',
        tenant_id: 'acme',
        client_id: 'acme-other',
        client_secret: PRODUCT_SECRET,
        type: 'installed',
        product_id: '1000',
      },
    });
    fake.injectFault({ kind: 'status', status: 500 }, { path: '/oauth/token' });
    const res = await api('POST', '/v1/tenants/acme/credentials', {
      ...admin,
      body: { kind: 'client_credentials', oauth_client_id: 'acme-other' },
      headers: { 'x-request-id': 'deep-onboarding' },
    });
    expect(res.status).toBe(503);
    expect(linesOf('deep-onboarding')).toContainEqual(
      expect.objectContaining({
        context: 'ParticleClient',
        msg: expect.stringMatching(/^Particle POST \/oauth\/token -> 500 /) as string,
      }),
    );
  });

  it("names the request in the problem filter's line of an unexpected 500", async () => {
    await t.db.query('ALTER TABLE tenants RENAME COLUMN name TO name_gone');
    try {
      const res = await api('GET', '/v1/tenants', { ...admin, headers: { 'x-request-id': 'deep-500' } });
      expect(res.status).toBe(500);
    } finally {
      await t.db.query('ALTER TABLE tenants RENAME COLUMN name_gone TO name');
    }
    expect(linesOf('deep-500')).toContainEqual(
      expect.objectContaining({ context: 'ProblemFilter', level: 50 }),
    );
  });
});
