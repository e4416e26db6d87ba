import { type TestingModule } from '@nestjs/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Clock } from '../../src/common/clock.js';
import { ParticleClient } from '../../src/particle/particle.client.js';
import { TokenEndpointGuard } from '../../src/particle/token-endpoint-guard.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { ParticleFake, type FakeClient, type FakeUser } from '../support/particle-fake.js';
import { UNSHARED_CALL } from '../support/egress-call.js';
import { rejection } from '../support/rejection.js';
import { startParticleModule } from '../support/particle-module.js';

/**
 * design.md §9.4 seen from outside: a mint whose 200 is slow on its way back was counted by Particle as
 * it arrived, before the failures sent meanwhile; the broker must not let its late answer clear them.
 * The 3-second answer is compressed to one second, within a 2-second time limit.
 */
const START = Date.parse('2030-01-01T00:00:00.000Z');
const MINUTE = 60_000;
const TIMEOUT_MS = 2000;
const LATE_MS = 1000;
const PRODUCT: FakeClient = {
  id: 'product-client',
  secret: 'product-secret-9a8b',
  kind: 'product',
  productId: 77,
};
const USER_CLIENT: FakeClient = { id: 'particle', secret: 'particle-secret-7c6d', kind: 'user' };
const ALICE: FakeUser = { username: 'alice@example.com', password: 'alice-password-5e4f' };

class TestClock extends Clock {
  private ms = START;
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

let db: TestDatabase;
let fake: ParticleFake;
let clock: TestClock;
let moduleRef: TestingModule | undefined;
let client: ParticleClient;
let guard: TokenEndpointGuard;

const mint = () =>
  client.token(
    { clientId: PRODUCT.id, clientSecret: PRODUCT.secret },
    { type: 'client_credentials' },
    UNSHARED_CALL,
  );
const login = (password: string) =>
  client.token(
    { clientId: USER_CLIENT.id, clientSecret: USER_CLIENT.secret },
    { type: 'password', username: ALICE.username, password },
    UNSHARED_CALL,
  );

/**
 * Starts a mint whose answer leaves Particle LATE_MS after Particle counted it, and returns once it has
 * arrived; `answer` settles when the broker has the 200 and has recorded it.
 */
async function lateMint(): Promise<{ answer: Promise<unknown> }> {
  const before = fake.tokenCalls();
  fake.injectFault({ kind: 'late_reply', ms: LATE_MS }, { path: '/oauth/token', times: 1 });
  const answer = mint();
  while (fake.tokenCalls() === before) await new Promise((resolve) => setTimeout(resolve, 5));
  return { answer };
}

async function failures(n: number): Promise<string[]> {
  const kinds: string[] = [];
  for (let i = 0; i < n; i++) kinds.push((await rejection(login('guess'))).kind);
  return kinds;
}

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await ParticleFake.start({ now: () => clock.now().getTime() });
  fake.addClient(PRODUCT);
  fake.addClient(USER_CLIENT);
  fake.addUser(ALICE);
});

beforeEach(async () => {
  clock = new TestClock();
  fake.reset();
  await db.query('DELETE FROM particle_egress');
  moduleRef = await startParticleModule({
    databaseUrl: db.url,
    particleUrl: fake.url,
    clock,
    env: { PARTICLE_TIMEOUT_MS: String(TIMEOUT_MS), PARTICLE_MAX_CONSECUTIVE_FAILURES: '5' },
  });
  client = moduleRef.get(ParticleClient);
  guard = moduleRef.get(TokenEndpointGuard);
});

afterEach(async () => {
  await moduleRef?.close();
});

afterAll(async () => {
  await fake?.close();
  await db?.drop();
});

describe(`${TokenEndpointGuard.name}: a success answered late`, () => {
  it('keeps counting the failures sent while a 200 was on its way, so Particle never sees 10 in a row', async () => {
    const slow = await lateMint();
    const meanwhile = await failures(5);
    const openBeforeLateAnswer = await guard.state();
    await slow.answer;
    const after = await failures(5);

    expect(meanwhile).toEqual(Array(5).fill('invalid_grant'));
    expect(openBeforeLateAnswer).toMatchObject({ breaker: 'open', consecutiveFailures: 5 });
    expect(after).toEqual(Array(5).fill('breaker_open'));
    expect(await guard.state()).toMatchObject({ breaker: 'open', consecutiveFailures: 5 });
    expect(fake.tokenCalls()).toBe(6);
    expect(fake.maxConsecutiveFailuresSeen).toBe(5);
    expect(fake.lockedOut).toBe(false);

    // A success admitted after every failure clears them all: the probe after the cooldown.
    clock.advance(MINUTE);
    await login(ALICE.password);
    expect(await guard.state()).toMatchObject({ breaker: 'closed', consecutiveFailures: 0 });
  });

  it('clears, with its late answer, only the failures recorded before the call was sent', async () => {
    await failures(3);
    const slow = await lateMint();
    await failures(1);

    await slow.answer;

    expect((await guard.state()).consecutiveFailures).toBe(1);
    expect(fake.consecutiveFailures).toBe(1);
  });
});
