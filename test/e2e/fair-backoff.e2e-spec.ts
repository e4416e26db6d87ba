import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../support/clock.js';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

const admin = { key: TEST_ADMIN_KEY };
const HOUR = 3600_000;

describe('the on-demand path honours backoff (design.md §9.3), on two replicas', () => {
  let fake: ParticleFake;
  const apps: TestApp[] = [];
  const calls: Call[] = [];
  const clock = new TestClock();
  /** Alternates replicas, so a per-replica memory could not pass for the shared rule. */
  const token = (tenant: string, i: number) =>
    (calls[i % 2] as Call)('POST', `/v1/tenants/${tenant}/tokens`, { ...admin, body: {} });
  /** The shared breaker as ops see it (GET /v1/admin/egress), whatever its columns look like. */
  const breaker = async () =>
    (await (calls[0] as Call)<{ breaker: { state: string } }>('GET', '/v1/admin/egress', admin)).body.breaker;

  beforeAll(async () => {
    fake = await ParticleFake.start();
    const env = { PARTICLE_API_URL: fake.url, PARTICLE_MAX_CONSECUTIVE_FAILURES: '3' };
    apps.push(await startTestApp({ env, clock }));
    apps.push(await startTestApp({ db: apps[0]?.db, env, clock }));
    calls.push(...apps.map((a) => client(a.url)));
    for (const tenant of ['broken', 'outage', 'healthy'])
      await tenantWithProductClient(calls[0] as Call, fake, tenant);
  });
  beforeEach(() => {
    fake.clearFaults();
    clock.advance(HOUR); // every stored token has expired: each request below needs a renewal
  });
  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
    await fake.close();
  });

  it('calls Particle once for ten quick retries through a client it refused, then refuses it locally until rotated', async () => {
    fake.removeClient('broken-prod'); // Particle now answers invalid_client
    const before = fake.tokenCalls({ clientId: 'broken-prod' });
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await token('broken', i));

    expect(fake.tokenCalls({ clientId: 'broken-prod' })).toBe(before + 1);
    for (const res of answers) {
      expect(res.status).toBe(409);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body).toMatchObject({ code: 'credential_unavailable', reason: 'oauth_client_invalid' });
    }
    // Not even after the credential's backoff step: ops must act on the client first.
    clock.advance(HOUR);
    expect((await token('broken', 0)).body).toMatchObject({ reason: 'oauth_client_invalid' });
    expect(fake.tokenCalls({ clientId: 'broken-prod' })).toBe(before + 1);

    const healthy = await token('healthy', 1);
    expect(healthy.status).toBe(200);
    expect((await breaker()).state).toBe('closed');
  });

  it('calls Particle once for ten quick retries during an outage, answers 503 with Retry-After, and recovers after the step', async () => {
    // One failure only: any retry that reached Particle would succeed and show here as a second call.
    fake.injectFault({ kind: 'status', status: 500 }, { path: '/oauth/token', times: 1 });
    const before = fake.tokenCalls({ clientId: 'outage-prod' });
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await token('outage', i));

    expect(fake.tokenCalls({ clientId: 'outage-prod' })).toBe(before + 1);
    const [row] = await (apps[0] as TestApp).db.query<{ status: string; next_attempt_at: Date }>(
      `SELECT status, next_attempt_at FROM credentials WHERE tenant_id = 'outage'`,
    );
    expect(row?.status).toBe('failing');
    for (const res of answers) {
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'upstream_unavailable' });
      const retryAfter = Number(res.headers.get('retry-after'));
      const untilNext = ((row?.next_attempt_at.getTime() ?? 0) - clock.now().getTime()) / 1000;
      expect(retryAfter).toBeGreaterThan(0);
      expect(Math.abs(retryAfter - untilNext)).toBeLessThanOrEqual(2);
    }
    const healthy = await token('healthy', 0);
    expect(healthy.status).toBe(200);
    expect((await breaker()).state).toBe('closed');

    clock.advance(40_000); // past the first step (30 s ± 20 %): one caller may try again
    const recovered = await token('outage', 1);
    expect(recovered.status).toBe(200);
    expect(fake.tokenCalls({ clientId: 'outage-prod' })).toBe(before + 2);
  });

  it('uses a client marked invalid again once ops rotate it', async () => {
    fake.addClient({
      id: 'broken-prod-2',
      secret: 'rotated-secret-0123456789',
      kind: 'product',
      productId: 1000,
    });
    const rotated = await (calls[0] as Call)('POST', '/v1/oauth-clients/broken-prod/rotations', {
      ...admin,
      body: { client_id: 'broken-prod-2', client_secret: 'rotated-secret-0123456789', grace_seconds: 0 },
    });
    expect(rotated.status).toBe(201);
    clock.advance(HOUR); // and past the credential's backoff
    const res = await token('broken', 1);
    expect(res.status).toBe(200);
  });
});
