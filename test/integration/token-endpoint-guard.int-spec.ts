import { type TestingModule } from '@nestjs/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Clock } from '../../src/common/clock.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import type { EgressLane } from '../../src/particle/egress-lane.js';
import { ParticleClient } from '../../src/particle/particle.client.js';
import {
  BreakerOpenError,
  BudgetExhaustedError,
  InvalidGrantError,
  MfaRequiredError,
  ParticleError,
  toApiError,
} from '../../src/particle/particle.errors.js';
import { TokenEndpointGuard } from '../../src/particle/token-endpoint-guard.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { ParticleFake, type FakeClient, type FakeUser } from '../support/particle-fake.js';
import { UNSHARED_CALL } from '../support/egress-call.js';
import { rejection } from '../support/rejection.js';
import { startParticleModule } from '../support/particle-module.js';

const START = Date.parse('2030-01-01T00:00:00.000Z');
const MINUTE = 60_000;
const TIMEOUT_MS = 2000;
const PRODUCT: FakeClient = {
  id: 'product-client',
  secret: 'product-secret-1f2e',
  kind: 'product',
  productId: 1234,
};
const USER_CLIENT: FakeClient = { id: 'particle', secret: 'particle-secret-0d1c', kind: 'user' };
const ALICE: FakeUser = { username: 'alice@example.com', password: 'alice-password-7c6d' };
const BOB: FakeUser = { username: 'bob@example.com', password: 'bob-password-5e4f', mfaSecretOtp: '482913' };

class TestClock extends Clock {
  private ms = START;
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

interface Replica {
  client: ParticleClient;
  guard: TokenEndpointGuard;
  gauge(name: string): Promise<number | undefined>;
}

let db: TestDatabase;
let fake: ParticleFake;
let clock: TestClock;
const modules: TestingModule[] = [];

/** One "replica": its own Nest module, pool and metrics registry, on the shared database and clock. */
async function startReplica(env: Record<string, string> = {}): Promise<Replica> {
  const moduleRef = await startParticleModule({
    databaseUrl: db.url,
    particleUrl: fake.url,
    clock,
    poolSize: 8,
    env: { PARTICLE_TIMEOUT_MS: String(TIMEOUT_MS), ...env },
  });
  modules.push(moduleRef);
  const registry = moduleRef.get(MetricsService).registry;
  return {
    client: moduleRef.get(ParticleClient),
    guard: moduleRef.get(TokenEndpointGuard),
    gauge: async (name) => (await registry.getSingleMetric(name)?.get())?.values[0]?.value,
  };
}

const mint = (r: Replica) =>
  r.client.token(
    { clientId: PRODUCT.id, clientSecret: PRODUCT.secret },
    { type: 'client_credentials' },
    UNSHARED_CALL,
  );
const login = (r: Replica, password: string) =>
  r.client.token(
    { clientId: USER_CLIENT.id, clientSecret: USER_CLIENT.secret },
    { type: 'password', username: ALICE.username, password },
    UNSHARED_CALL,
  );
const wrongLogin = (r: Replica) => login(r, 'guess');
const goodLogin = (r: Replica) => login(r, ALICE.password);

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await ParticleFake.start({ now: () => clock.now().getTime() });
  fake.addClient(PRODUCT);
  fake.addClient(USER_CLIENT);
  fake.addUser(ALICE);
  fake.addUser(BOB);
});

beforeEach(async () => {
  clock = new TestClock();
  fake.reset();
  await db.query('DELETE FROM particle_egress');
});

afterEach(async () => {
  await Promise.all(modules.splice(0).map((m) => m.close()));
});

afterAll(async () => {
  await fake?.close();
  await db?.drop();
});

describe(TokenEndpointGuard.name, () => {
  describe('budget', () => {
    it('refuses the call past the budget locally, with Retry-After until the oldest call leaves the window', async () => {
      const r = await startReplica({ PARTICLE_TOKEN_BUDGET: '3' });
      await mint(r);
      clock.advance(MINUTE);
      await mint(r);
      clock.advance(MINUTE);
      await mint(r);
      clock.advance(10_000);

      const refused = await rejection(mint(r));

      expect(refused).toBeInstanceOf(BudgetExhaustedError);
      // The oldest call leaves the window 170 s from now; counting per 5-second bucket adds up to 5 s.
      const wait = (refused as BudgetExhaustedError).retryAfterSeconds;
      expect(wait).toBeGreaterThanOrEqual(170);
      expect(wait).toBeLessThanOrEqual(175);
      expect(fake.tokenCalls()).toBe(3);
      const problem = toApiError(refused);
      expect([problem.code, problem.status, problem.retryAfterSeconds]).toEqual([
        'token_budget_exhausted',
        503,
        wait,
      ]);
      expect((await r.guard.state()).budgetRemaining).toBe(0);
      expect(await r.gauge('broker_particle_token_budget_remaining')).toBe(0);
    });

    it('frees the budget once the clock is past the window, keeping only buckets still in it', async () => {
      const r = await startReplica({ PARTICLE_TOKEN_BUDGET: '3' });
      for (let i = 0; i < 3; i++) await mint(r);
      await rejection(mint(r));

      clock.advance(5 * MINUTE + 5_000); // the window, plus the 5-second bucket the calls were counted in
      await mint(r);
      const state = await r.guard.state();

      expect(fake.tokenCalls()).toBe(4);
      expect(state.budgetRemaining).toBe(2);
      const rows = await db.query<{ b: [number, number][] }>('SELECT call_buckets AS b FROM particle_egress');
      expect(rows[0]?.b.map(([, n]) => n)).toEqual([1]);
    });

    it('is one budget for two replicas: 3 + 3 concurrent calls with a budget of 4 send exactly 4', async () => {
      const [a, b] = await Promise.all([
        startReplica({ PARTICLE_TOKEN_BUDGET: '4' }),
        startReplica({ PARTICLE_TOKEN_BUDGET: '4' }),
      ]);

      const outcomes = await Promise.allSettled([a, a, a, b, b, b].map((r) => mint(r)));

      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(4);
      const refusals = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
      expect(refusals.map((e) => e instanceof BudgetExhaustedError)).toEqual([true, true]);
      expect(fake.tokenCalls()).toBe(4);
      expect((await a.guard.state()).budgetRemaining).toBe(0);
      expect((await b.guard.state()).budgetRemaining).toBe(0);
    });
  });

  describe('breaker', () => {
    it('opens after N consecutive failures and then refuses every caller locally, on every replica', async () => {
      const env = { PARTICLE_MAX_CONSECUTIVE_FAILURES: '3' };
      const [a, b] = await Promise.all([startReplica(env), startReplica(env)]);
      for (let i = 0; i < 3; i++) expect(await rejection(wrongLogin(a))).toBeInstanceOf(InvalidGrantError);

      const refusedHere = await rejection(goodLogin(a));
      const refusedThere = await rejection(mint(b));

      expect(refusedHere).toBeInstanceOf(BreakerOpenError);
      expect((refusedHere as BreakerOpenError).retryAfterSeconds).toBe(60);
      expect(refusedThere).toBeInstanceOf(BreakerOpenError);
      expect(fake.tokenCalls()).toBe(3);
      expect(await a.guard.state()).toMatchObject({
        budget: 80,
        budgetUsed: 3,
        budgetRetryAt: null,
        budgetRemaining: 77,
        consecutiveFailures: 3,
        breaker: 'open',
        retryAt: new Date(START + MINUTE),
      });
      const problem = toApiError(refusedHere);
      expect([problem.code, problem.status, problem.retryAfterSeconds]).toEqual([
        'upstream_unavailable',
        503,
        60,
      ]);
      expect(await a.gauge('broker_particle_breaker_open')).toBe(1);
    });

    it('lets exactly one probe through after the cooldown, and its success closes the breaker', async () => {
      const r = await startReplica({ PARTICLE_MAX_CONSECUTIVE_FAILURES: '2' });
      await rejection(wrongLogin(r));
      await rejection(wrongLogin(r));
      clock.advance(MINUTE);
      const afterCooldown = (await r.guard.state()).breaker;

      // Held by hand, so that the second caller certainly arrives while the probe is still out.
      const probe = await r.guard.acquire(UNSHARED_CALL);
      const whileProbing = await r.guard.state();
      const second = await rejection(goodLogin(r));
      await r.guard.recordOutcome(false, probe);
      const reopened = await r.guard.state();
      clock.advance(2 * MINUTE);
      await goodLogin(r);

      expect(afterCooldown).toBe('half_open');
      expect(probe.probe).toBe(true);
      expect(whileProbing).toMatchObject({ breaker: 'half_open', retryAt: probe.leaseUntil });
      expect(second).toBeInstanceOf(BreakerOpenError);
      expect(reopened).toMatchObject({
        breaker: 'open',
        consecutiveFailures: 3,
        retryAt: new Date(START + 3 * MINUTE),
      });
      expect(fake.tokenCalls()).toBe(3);
      expect(await r.guard.state()).toMatchObject({
        breaker: 'closed',
        consecutiveFailures: 0,
        retryAt: null,
      });
      expect(await r.gauge('broker_particle_breaker_open')).toBe(0);
      await mint(r);
      expect(fake.tokenCalls({ ok: true })).toBe(2);
    });

    it('doubles the cooldown each time a probe fails', async () => {
      const r = await startReplica({ PARTICLE_MAX_CONSECUTIVE_FAILURES: '2' });
      await rejection(wrongLogin(r));
      await rejection(wrongLogin(r));
      const waits: number[] = [];
      for (let i = 0; i < 3; i++) {
        const refused = (await rejection(goodLogin(r))) as BreakerOpenError;
        waits.push(refused.retryAfterSeconds);
        clock.advance(refused.retryAfterSeconds * 1000);
        expect(await rejection(wrongLogin(r))).toBeInstanceOf(InvalidGrantError);
      }

      expect(waits).toEqual([60, 120, 240]);
      expect(fake.tokenCalls()).toBe(5);
      expect((await r.guard.state()).consecutiveFailures).toBe(5);
    });

    it('keeps Particle below 10 consecutive failures through 30 wrong-password attempts', async () => {
      const r = await startReplica();
      const kinds: string[] = [];
      for (let i = 0; i < 30; i++) {
        kinds.push((await rejection(wrongLogin(r))).kind);
        clock.advance(MINUTE);
      }
      const state = await r.guard.state();

      expect(fake.maxConsecutiveFailuresSeen).toBe(9);
      expect(fake.lockedOut).toBe(false);
      expect(kinds.filter((k) => k === 'invalid_grant')).toHaveLength(9);
      expect(kinds.filter((k) => k === 'breaker_open')).toHaveLength(21);
      // Failures at minutes 0-4 open it; probes at 5, 7, 11 and 19 fail; the 9th waits 30 minutes.
      expect(state).toMatchObject({
        consecutiveFailures: 9,
        breaker: 'open',
        retryAt: new Date(START + 49 * MINUTE),
      });
      clock.advance(18 * MINUTE + 59_000);
      expect(await rejection(goodLogin(r))).toMatchObject({ kind: 'breaker_open', retryAfterSeconds: 1 });
      clock.advance(1000);
      await goodLogin(r);
      expect(await r.guard.state()).toMatchObject({ consecutiveFailures: 0, breaker: 'closed' });
      expect(fake.consecutiveFailures).toBe(0);
    });

    it('never has so many calls in flight that their failures could reach 10', async () => {
      const r = await startReplica({ PARTICLE_MAX_CONSECUTIVE_FAILURES: '9' });

      const outcomes = await Promise.allSettled(Array.from({ length: 12 }, () => wrongLogin(r)));

      const kinds = outcomes.map((o) => (o.status === 'rejected' ? (o.reason as ParticleError).kind : 'ok'));
      expect(kinds.filter((k) => k === 'invalid_grant')).toHaveLength(9);
      expect(kinds.filter((k) => k === 'breaker_open')).toHaveLength(3);
      expect(fake.maxConsecutiveFailuresSeen).toBe(9);
      expect(fake.lockedOut).toBe(false);
    });

    it('closes at once on reset(), which ops call once the cause is fixed', async () => {
      const r = await startReplica({ PARTICLE_MAX_CONSECUTIVE_FAILURES: '2' });
      await rejection(wrongLogin(r));
      await rejection(wrongLogin(r));

      await r.guard.reset();
      await goodLogin(r);

      expect(await r.guard.state()).toMatchObject({
        consecutiveFailures: 0,
        breaker: 'closed',
        retryAt: null,
      });
      expect(fake.tokenCalls()).toBe(3);
    });
  });

  describe('what counts as a failure', () => {
    it('counts the MFA challenge, which a success then clears', async () => {
      const r = await startReplica();
      const bob = { clientId: USER_CLIENT.id, clientSecret: USER_CLIENT.secret };
      const challenge = await rejection(
        r.client.token(
          bob,
          { type: 'password', username: BOB.username, password: BOB.password },
          UNSHARED_CALL,
        ),
      );
      const afterChallenge = (await r.guard.state()).consecutiveFailures;

      await r.client.token(
        bob,
        {
          type: 'mfa_otp',
          mfaToken: (challenge as MfaRequiredError).mfaToken,
          otp: BOB.mfaSecretOtp ?? '',
        },
        UNSHARED_CALL,
      );

      expect(challenge).toBeInstanceOf(MfaRequiredError);
      expect(afterChallenge).toBe(1);
      expect((await r.guard.state()).consecutiveFailures).toBe(0);
    });

    it('counts a call whose outcome never arrived as failed once its lease expires, and only once', async () => {
      const r = await startReplica();
      const permit = await r.guard.acquire(UNSHARED_CALL);
      const inFlight = (await r.guard.state()).consecutiveFailures;

      clock.advance(TIMEOUT_MS + 5_000);
      const expired = (await r.guard.state()).consecutiveFailures;
      await r.guard.recordOutcome(false, permit);

      expect([inFlight, expired]).toEqual([0, 1]);
      expect((await r.guard.state()).consecutiveFailures).toBe(1);
      const rows = await db.query<{ n: number }>(
        'SELECT cardinality(in_flight_until) AS n FROM particle_egress',
      );
      expect(rows).toEqual([{ n: 0 }]);
    });
  });

  describe("egress lane (a sweep lane's calls one after another)", () => {
    const egressRow = async () =>
      (
        await db.query<{ leases: number; failures: number }>(
          'SELECT cardinality(in_flight_until) AS leases, cardinality(failure_seqs) AS failures FROM particle_egress',
        )
      )[0];
    const laneMint = (r: Replica, lane: EgressLane) =>
      r.client.token(
        { clientId: PRODUCT.id, clientSecret: PRODUCT.secret },
        { type: 'client_credentials' },
        UNSHARED_CALL,
        lane,
      );

    it('holds a success back, counted in flight, until the next admission or settle records it', async () => {
      const r = await startReplica();
      const lane = r.client.egressLane();

      await laneMint(r, lane);
      const held = await egressRow();
      await laneMint(r, lane);
      const handedOver = await egressRow();
      await lane.settle();

      expect([held, handedOver]).toEqual([
        { leases: 1, failures: 0 },
        { leases: 1, failures: 0 },
      ]);
      expect(await egressRow()).toEqual({ leases: 0, failures: 0 });
      expect(fake.tokenCalls({ ok: true })).toBe(2);
    });

    it('records a failure at once, after the success before it', async () => {
      const r = await startReplica();
      const lane = r.client.egressLane();
      await laneMint(r, lane);

      await rejection(
        r.client.token(
          { clientId: USER_CLIENT.id, clientSecret: USER_CLIENT.secret },
          { type: 'password', username: ALICE.username, password: 'guess' },
          UNSHARED_CALL,
          lane,
        ),
      );

      expect(await egressRow()).toEqual({ leases: 0, failures: 1 });
    });

    it('records a held success on its own when no call follows within a second', async () => {
      const r = await startReplica();
      const lane = r.client.egressLane();
      await laneMint(r, lane);

      await new Promise((resolve) => setTimeout(resolve, 1_300));

      expect(await egressRow()).toEqual({ leases: 0, failures: 0 });
    });
  });
});
