import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, Call } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

const admin = { key: TEST_ADMIN_KEY };
const RENEWALS = 30;

/**
 * Design.md §5 rule 9 / §9 rule 5: renewals hold no pooled connection across their Particle call, and
 * callers waiting for them hold none either, so many slow renewals at once leave the pool to cache hits.
 */
describe('renewals against a slow Particle', () => {
  let fake: ParticleFake;
  let t: TestApp;
  let api: Call;

  beforeAll(async () => {
    // About a second per answer, as Particle's token endpoint on a bad day.
    fake = await ParticleFake.start({ latencyMs: 1000, tokenBudget: 10_000 });
    t = await startTestApp({
      env: { PARTICLE_API_URL: fake.url, PARTICLE_TOKEN_BUDGET: '1000', PARTICLE_TIMEOUT_MS: '5000' },
    });
    api = client(t.url);
    await tenantWithProductClient(api, fake, 'busy');
    await tenantWithProductClient(api, fake, 'steady');
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it(`serves ${RENEWALS} concurrent renewals of one replica with no 503, while another tenant's cache hits go on`, async () => {
    const warm = await api('POST', '/v1/tenants/steady/tokens', { ...admin, body: {} });
    expect(warm.status).toBe(200);
    const mintsBefore = fake.tokenCalls({ grantType: 'client_credentials' });

    let renewing = true;
    const hits: { status: number; ms: number }[] = [];
    const cacheLoop = (async () => {
      while (renewing) {
        const started = Date.now();
        const r = await api('POST', '/v1/tenants/steady/tokens', { ...admin, body: {} });
        hits.push({ status: r.status, ms: Date.now() - started });
      }
    })();
    const renewals = await Promise.all(
      Array.from({ length: RENEWALS }, async (_, i) => {
        const started = Date.now();
        const r = await api<{ access_token: string; scope: string }>('POST', '/v1/tenants/busy/tokens', {
          ...admin,
          body: { customer: `customer-${i}@example.com` },
        });
        return { status: r.status, body: r.body, ms: Date.now() - started };
      }),
    );
    renewing = false;
    await cacheLoop;

    expect(renewals.map((r) => r.status)).toEqual(Array<number>(RENEWALS).fill(200));
    expect(new Set(renewals.map((r) => r.body.access_token)).size).toBe(RENEWALS);
    expect(Math.max(...renewals.map((r) => r.ms))).toBeLessThan(10_000);
    // Each customer cost one mint, none twice.
    expect(fake.tokenCalls({ grantType: 'client_credentials' }) - mintsBefore).toBe(RENEWALS);
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.status === 200)).toBe(true);
  });

  it('never serves a token of a credential deleted while its renewal was out', async () => {
    const quick = await ParticleFake.start();
    const app = await startTestApp({ env: { PARTICLE_API_URL: quick.url } });
    const call = client(app.url);
    try {
      const { credentialId } = await tenantWithProductClient(call, quick, 'vanishing');
      const ask = (min: number) =>
        call('POST', '/v1/tenants/vanishing/tokens', {
          ...admin,
          body: { credential_id: credentialId, min_ttl_seconds: min },
        });
      // The stored token looks nearly spent, so the next request renews it.
      await app.db.query(`UPDATE credentials SET access_expires_at = now() + interval '100 seconds'`);
      // Only the renewal's mint is slow: the deletion (revocation, then the row) ends while it is out.
      quick.injectFault({ kind: 'slow', ms: 1500 }, { path: '/oauth/token', times: 1 });
      const renewing = ask(300);
      await new Promise((r) => setTimeout(r, 300));
      const deleted = await call('DELETE', `/v1/tenants/vanishing/credentials/${credentialId}`, admin);
      expect(deleted.status).toBe(204);
      const late = await renewing;
      expect(late.status, late.text).toBe(404);
      // The token minted for the deleted credential was revoked, not left alive at Particle.
      const revocations = quick.requests.filter(
        (r) => r.method === 'DELETE' && r.path === '/v1/access_tokens/current',
      );
      expect(revocations).toHaveLength(2);
      for (const min of [0, 3000]) expect((await ask(min)).status).toBe(404);
      expect(await app.db.query('SELECT 1 FROM credentials WHERE id = $1', [credentialId])).toEqual([]);
    } finally {
      await app.close();
      await quick.close();
    }
  });
});
