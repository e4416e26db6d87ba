import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../support/clock.js';
import { Call, client } from '../support/http.js';
import { ParticleFake } from '../support/particle-fake.js';
import { tenantWithProductClient } from '../support/tenant-setup.js';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app.js';

const REPLICAS = 3;
const CALLERS = 300;
const ROUNDS = 20;

describe('one renewal across replicas', () => {
  let fake: ParticleFake;
  const apps: TestApp[] = [];
  // One clock for all replicas: moving it makes the stored token stale for everyone at once.
  const clock = new TestClock();

  beforeAll(async () => {
    fake = await ParticleFake.start({ tokenBudget: 1000 });
    apps.push(
      await startTestApp({ env: { PARTICLE_API_URL: fake.url, PARTICLE_TOKEN_BUDGET: '100' }, clock }),
    );
    for (let i = 1; i < REPLICAS; i++) {
      apps.push(
        await startTestApp({
          db: apps[0]?.db,
          env: { PARTICLE_API_URL: fake.url, PARTICLE_TOKEN_BUDGET: '100' },
          clock,
        }),
      );
    }
    await tenantWithProductClient(client(apps[0]?.url ?? ''), fake, 'acme');
  });
  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
    await fake.close();
  });

  it(`${CALLERS} concurrent callers on ${REPLICAS} replicas of a stale credential cause exactly one mint, ${ROUNDS} times`, async () => {
    const calls = apps.map((a) => client(a.url));
    for (let round = 0; round < ROUNDS; round++) {
      clock.advance(3_700_000); // past the token's hour: every replica's cache and the stored token are stale
      const mintsBefore = fake.tokenCalls({ grantType: 'client_credentials' });
      const results = await Promise.all(
        Array.from({ length: CALLERS }, (_, i) =>
          (calls[i % REPLICAS] as Call)<{ access_token: string }>('POST', '/v1/tenants/acme/tokens', {
            key: TEST_ADMIN_KEY,
            body: {},
          }),
        ),
      );
      const statuses = new Set(results.map((r) => r.status));
      const tokens = new Set(results.map((r) => r.body.access_token));
      expect([...statuses], `round ${round}`).toEqual([200]);
      expect(tokens.size, `round ${round}`).toBe(1);
      expect(fake.tokenCalls({ grantType: 'client_credentials' }) - mintsBefore, `round ${round}`).toBe(1);
    }
  });
});
