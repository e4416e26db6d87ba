import { DataSource } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dataSourceOptions } from '../../src/database/data-source.js';
import {
  AdmitResult,
  AdmittedCall,
  EgressContext,
  ParticleEgressRepository,
} from '../../src/particle/particle-egress.repository.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * The guard's single-statement decisions under real concurrency: two DataSources (two replicas' pools)
 * firing at the one `particle_egress` row at once. The guard's rules themselves are tested through
 * `TokenEndpointGuard` in token-endpoint-guard.int-spec.ts.
 */
const NOW = new Date('2030-01-01T00:00:00.000Z');
const LEASE_UNTIL = new Date(NOW.getTime() + 15_000);
const BUCKET = NOW.getTime();
const THRESHOLD = 5;

let db: TestDatabase;
const sources: DataSource[] = [];
let replicas: ParticleEgressRepository[];

async function pool(size: number): Promise<ParticleEgressRepository> {
  const source = await new DataSource(dataSourceOptions(db.url, size)).initialize();
  sources.push(source);
  return new ParticleEgressRepository(source);
}

const context: EgressContext = {
  id: 'default',
  now: NOW,
  windowEndedAfter: NOW.getTime() - 305_000,
  threshold: THRESHOLD,
};
const admit = (
  r: ParticleEgressRepository,
  budget: number,
  leaseUntil = LEASE_UNTIL,
  succeeded: AdmittedCall | null = null,
) =>
  r.admit(context, {
    budget,
    onDemandLimit: budget,
    tenantLimit: budget,
    tenantId: null,
    scheduled: true,
    leaseUntil,
    bucket: BUCKET,
    succeeded,
  });
const call = (admitted: AdmitResult, leaseUntil = LEASE_UNTIL): AdmittedCall => ({
  leaseUntil,
  seq: admitted.seq,
});

async function row(): Promise<{ calls: number; leases: number; failures: number; opened: boolean }> {
  const [r] = await db.query<{ calls: number; leases: number; failures: number; opened: boolean }>(
    `SELECT (SELECT coalesce(sum((v->>1)::int), 0)::int FROM jsonb_array_elements(call_buckets) v) AS calls,
            cardinality(in_flight_until) AS leases, cardinality(failure_seqs) AS failures,
            opened_at IS NOT NULL AS opened
       FROM particle_egress`,
  );
  if (!r) throw new Error('no particle_egress row');
  return r;
}

beforeAll(async () => {
  db = await createTestDatabase();
  replicas = [await pool(10), await pool(10)];
});

beforeEach(async () => {
  await db.query('DELETE FROM particle_egress');
});

afterAll(async () => {
  await Promise.all(sources.map((s) => s.destroy()));
  await db?.drop();
});

describe(ParticleEgressRepository.name, () => {
  // Handing over: each success is recorded by the caller's next admission, as a sweep lane does.
  it.each([
    ['recording each success on its own', false],
    ['handing each success over to the next admission', true],
  ])(
    'admits exactly the budget when 2 x 30 callers keep calling at once, %s, never more than 9 out',
    async (_, handOver) => {
      const budget = 40;
      let out = 0;
      let mostOut = 0;
      let admitted = 0;
      const worker = async (r: ParticleEgressRepository): Promise<void> => {
        let succeeded: AdmittedCall | null = null;
        for (;;) {
          const result = await admit(r, budget, LEASE_UNTIL, succeeded);
          succeeded = null;
          if (result.refusal === 'budget') return;
          if (result.refusal) continue; // nine out already: try again once one comes back
          admitted++;
          mostOut = Math.max(mostOut, ++out);
          await new Promise((resolve) => setImmediate(resolve));
          out--;
          if (handOver) succeeded = call(result);
          else await r.recordOutcome(context, true, call(result));
        }
      };

      await Promise.all(replicas.flatMap((r) => Array.from({ length: 30 }, () => worker(r))));

      expect(admitted).toBe(budget);
      expect(mostOut).toBeLessThanOrEqual(9);
      expect(await row()).toEqual({ calls: budget, leases: 0, failures: 0, opened: false });
    },
  );

  it('lets exactly 9 of 2 x 20 simultaneous admissions out when none has reported yet', async () => {
    const results = await Promise.all(
      replicas.flatMap((r) => Array.from({ length: 20 }, () => admit(r, 1000))),
    );

    const refusals = results.map((r) => r.refusal);
    expect(refusals.filter((r) => r === null)).toHaveLength(9);
    expect(refusals.filter((r) => r === 'lockout_margin')).toHaveLength(31);
    expect(await row()).toMatchObject({ calls: 9, leases: 9 });
  });

  it('counts every one of 2 x 4 concurrent failures and opens the breaker past the threshold', async () => {
    const admissions: AdmitResult[] = [];
    for (const r of replicas) for (let i = 0; i < 4; i++) admissions.push(await admit(r, 1000));
    expect(admissions.every((a) => a.refusal === null)).toBe(true);

    const after = await Promise.all(
      admissions.map((a, i) =>
        (replicas[i < 4 ? 0 : 1] as ParticleEgressRepository).recordOutcome(context, false, call(a)),
      ),
    );

    expect(await row()).toEqual({ calls: 8, leases: 0, failures: 8, opened: true });
    expect(after.filter((a) => a.open)).toHaveLength(4); // the 5th to 8th failures found it open
    const [retry] = await db.query<{ at: Date }>('SELECT retry_at AS at FROM particle_egress');
    // Three failures past the threshold: the 60 s cooldown doubled three times.
    expect(retry?.at).toEqual(new Date(NOW.getTime() + 8 * 60_000));
    expect((await admit(replicas[0] as ParticleEgressRepository, 1000)).refusal).toBe('cooldown');
  });

  it('releases the one lease it is given when several share the same instant', async () => {
    const [a, b] = replicas as [ParticleEgressRepository, ParticleEgressRepository];
    await admit(a, 1000);
    const second = await admit(b, 1000);
    const other = new Date(LEASE_UNTIL.getTime() + 1);
    await admit(a, 1000, other);

    await b.recordOutcome(context, true, call(second));

    const [r] = await db.query<{ leases: Date[] }>('SELECT in_flight_until AS leases FROM particle_egress');
    expect(r?.leases).toEqual([LEASE_UNTIL, other]);
  });

  const failOnce = async (r: ParticleEgressRepository, n: number): Promise<void> => {
    const failing = new Date(LEASE_UNTIL.getTime() + 100 + n);
    const admitted = await admit(r, 1000, failing);
    expect(admitted.refusal).toBeNull();
    await r.recordOutcome(context, false, call(admitted, failing));
  };

  it('records a handed-over success before deciding; failures recorded after its admission stay counted', async () => {
    const [a] = replicas as [ParticleEgressRepository];
    const next = new Date(LEASE_UNTIL.getTime() + 1);
    const slow = await admit(a, 1000);
    for (let i = 1; i <= THRESHOLD; i++) await failOnce(a, i);
    expect(await row()).toMatchObject({ leases: 1, failures: THRESHOLD, opened: true });
    expect((await admit(a, 1000, next)).refusal).toBe('cooldown');

    // The call admitted before the breaker opened succeeded; every failure may have reached Particle
    // after it did, so all stay counted and the breaker stays open. Its lease goes all the same.
    const result = await admit(a, 1000, next, call(slow));

    expect(result.refusal).toBe('cooldown');
    const [r] = await db.query<{ leases: Date[] }>('SELECT in_flight_until AS leases FROM particle_egress');
    expect(r?.leases).toEqual([]);
    expect(await row()).toMatchObject({ failures: THRESHOLD, opened: true });
  });

  it('clears the failures recorded before a late success was admitted, and closes once below the threshold', async () => {
    const [a, b] = replicas as [ParticleEgressRepository, ParticleEgressRepository];
    await failOnce(a, 1);
    await failOnce(b, 2);
    const slow = await admit(a, 1000);
    for (let i = 3; i <= THRESHOLD; i++) await failOnce(i % 2 ? a : b, i);
    expect(await row()).toMatchObject({ leases: 1, failures: THRESHOLD, opened: true });

    await b.recordOutcome(context, true, call(slow));

    expect(await row()).toMatchObject({ leases: 0, failures: THRESHOLD - 2, opened: false });
    expect((await admit(a, 1000, new Date(LEASE_UNTIL.getTime() + 1))).refusal).toBeNull();
  });

  it('records a handed-over success even when the admission is refused', async () => {
    const [a] = replicas as [ParticleEgressRepository];
    const first = await admit(a, 1);

    const result = await admit(a, 1, new Date(LEASE_UNTIL.getTime() + 1), call(first));

    expect(result.refusal).toBe('budget');
    expect(await row()).toEqual({ calls: 1, leases: 0, failures: 0, opened: false });
  });

  it('relaxes durability for a success record only: the pooled connection stays synchronous', async () => {
    const single = await pool(1);
    const first = await admit(single, 1000);
    const second = await admit(single, 1000);
    const source = sources.at(-1) as DataSource;

    await single.recordOutcome(context, true, call(first));
    const afterSuccess = await source.query<{ s: string }[]>(
      `SELECT current_setting('synchronous_commit') AS s`,
    );
    await single.recordOutcome(context, false, call(second));
    const afterFailure = await source.query<{ s: string }[]>(
      `SELECT current_setting('synchronous_commit') AS s`,
    );

    // The pool has one connection: had the setting outlived its statement, the next query would see it.
    expect([afterSuccess[0]?.s, afterFailure[0]?.s]).toEqual(['on', 'on']);
    expect(await row()).toMatchObject({ leases: 0, failures: 1 });
  });
});
