import { type TestingModule } from '@nestjs/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Clock } from '../../src/common/clock.js';
import { isParticleError } from '../../src/particle/particle.errors.js';
import { type EgressPermit, TokenEndpointGuard } from '../../src/particle/token-endpoint-guard.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { TokenEndpointLimiter } from '../support/particle-fake/token-limiter.js';
import { UNSHARED_CALL } from '../support/egress-call.js';
import { startParticleModule } from '../support/particle-module.js';

/**
 * design.md §9.4 over generated interleavings: the real guard on PostgreSQL (two replicas), around it a
 * model of the wire. Each call is admitted, then arrives at Particle, then has its outcome recorded, each
 * step whenever the schedule says; Particle's own counter (the fake's) is fed in arrival order. A success
 * is recorded on its own or handed over to the next admission, as a sweep lane does.
 */
const START = Date.parse('2030-01-01T00:00:00.000Z');
const TIMEOUT_MS = 2000;
/** Past the first cooldown; far too few of them to add up to Particle's 30-minute lockout. */
const TICK_MS = 61_000;

class TestClock extends Clock {
  ms = START;
  now(): Date {
    return new Date(this.ms);
  }
}

interface Call {
  ok: boolean;
  handOver: boolean;
  replica: number;
  phase: 'waiting' | 'admitted' | 'arrived' | 'done';
  permit?: EgressPermit;
}

let db: TestDatabase;
const clock = new TestClock();
const modules: TestingModule[] = [];
let guards: TokenEndpointGuard[];

async function startReplica(): Promise<TokenEndpointGuard> {
  const moduleRef = await startParticleModule({
    databaseUrl: db.url,
    particleUrl: 'http://127.0.0.1:9',
    clock,
    env: { PARTICLE_TIMEOUT_MS: String(TIMEOUT_MS), PARTICLE_MAX_CONSECUTIVE_FAILURES: '5' },
  });
  modules.push(moduleRef);
  return moduleRef.get(TokenEndpointGuard);
}

beforeAll(async () => {
  db = await createTestDatabase();
  guards = [await startReplica(), await startReplica()];
});

afterAll(async () => {
  await Promise.all(modules.map((m) => m.close()));
  await db?.drop();
});

const callArb = fc.record({
  ok: fc.constantFrom(true, false, false),
  handOver: fc.boolean(),
  replica: fc.constantFrom(0, 1),
});
const scenarioArb = fc.record({
  calls: fc.array(callArb, { minLength: 1, maxLength: 14 }),
  // Each pick chooses among the steps possible at that point; ticks only when nothing is out.
  picks: fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
  ticks: fc.nat({ max: 4 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

async function run(scenario: Scenario): Promise<void> {
  await db.query('DELETE FROM particle_egress');
  clock.ms = START;
  const particle = new TokenEndpointLimiter(
    { tokenBudget: 100, budgetWindowMs: 5 * 60_000, lockoutFailures: 10, lockoutMs: 30 * 60_000 },
    () => clock.ms,
  );
  const calls: Call[] = scenario.calls.map((c) => ({ ...c, phase: 'waiting' }));
  let held: Call | undefined; // a success handed over to the next admission
  let out = 0; // admitted, outcome not recorded yet (a held success included)
  let failuresRecorded = 0;
  let ticks = scenario.ticks;
  let step = 0;

  const guardOf = (c: Call) => guards[c.replica] as TokenEndpointGuard;
  const recordHeld = async (): Promise<void> => {
    if (!held?.permit) return;
    await guardOf(held).recordOutcome(true, held.permit);
    held = undefined;
    out--;
  };
  const admit = async (c: Call): Promise<void> => {
    const succeeded = held;
    held = undefined;
    try {
      c.permit = await guardOf(c).acquire(UNSHARED_CALL, succeeded?.permit);
      c.phase = 'admitted';
      out++;
    } catch (err) {
      if (!isParticleError(err)) throw err;
      // The guard may refuse only once something failed, or with 9 calls out (a handed-over one is back).
      expect(failuresRecorded > 0 || out - (succeeded ? 1 : 0) >= 9).toBe(true);
      c.phase = 'done';
    }
    if (succeeded) out--; // the admission recorded it, admitted or refused
  };

  for (;;) {
    const steps: (() => Promise<void>)[] = [];
    for (const c of calls) {
      if (c.phase === 'waiting') steps.push(() => admit(c));
      if (c.phase === 'admitted')
        steps.push(() => {
          particle.record(c.ok ? 'success' : 'failure');
          c.phase = 'arrived';
          return Promise.resolve();
        });
      if (c.phase === 'arrived')
        steps.push(async () => {
          c.phase = 'done';
          if (!c.ok) {
            out--;
            failuresRecorded++;
            return guardOf(c).recordOutcome(false, c.permit as EgressPermit);
          }
          if (!c.handOver) {
            out--;
            return guardOf(c).recordOutcome(true, c.permit as EgressPermit);
          }
          await recordHeld();
          held = c;
        });
    }
    if (out === 0 && ticks > 0)
      steps.push(() => {
        ticks--;
        clock.ms += TICK_MS;
        return Promise.resolve();
      });
    if (steps.length === 0) break;
    await (steps[(scenario.picks[step++] ?? 0) % steps.length] as () => Promise<void>)();

    // The broker's count plus what is out never falls below Particle's.
    const state = await (guards[0] as TokenEndpointGuard).state();
    expect(state.consecutiveFailures + out).toBeGreaterThanOrEqual(particle.consecutiveFailures);
    expect(particle.maxConsecutiveFailuresSeen).toBeLessThan(10);
  }
  await recordHeld();
  expect(particle.lockedOut).toBe(false);

  // Whatever happened, once the longest cooldown is over a success admitted after it clears everything.
  clock.ms += 31 * 60_000;
  const guard = guards[1] as TokenEndpointGuard;
  await guard.recordOutcome(true, await guard.acquire(UNSHARED_CALL));
  expect(await guard.state()).toMatchObject({ consecutiveFailures: 0, breaker: 'closed' });
}

describe(`${TokenEndpointGuard.name}: interleavings of slow and fast answers`, () => {
  it('never lets Particle count 10 consecutive failures, and refuses only once something failed', async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, run), { numRuns: 60 });
  }, 120_000);
});
