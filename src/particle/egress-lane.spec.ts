import { afterEach, describe, expect, it, vi } from 'vitest';
import { EgressLane } from './egress-lane.js';
import { BudgetExhaustedError } from './particle.errors.js';
import type { EgressCall, EgressPermit, TokenEndpointGuard } from './token-endpoint-guard.js';

const SWEEP_CALL: EgressCall = { tenantId: 'acme', scheduled: true };

/**
 * The lane's ordering rules, against a guard that only writes down what it was asked. What the
 * statements then do with the row is covered against PostgreSQL (particle-egress and
 * token-endpoint-guard integration specs).
 */
class RecordingGuard {
  readonly calls: string[] = [];
  failNextAcquire: Error | undefined;
  private n = 0;

  acquire(call: EgressCall, succeeded?: EgressPermit): Promise<EgressPermit> {
    expect(call).toBe(SWEEP_CALL);
    this.calls.push(`acquire after ${succeeded ? this.name(succeeded) : 'nothing'}`);
    const error = this.failNextAcquire;
    this.failNextAcquire = undefined;
    if (error) return Promise.reject(error);
    return Promise.resolve({ leaseUntil: new Date(++this.n), seq: String(this.n), probe: false });
  }

  recordOutcome(success: boolean, permit: EgressPermit): Promise<void> {
    this.calls.push(`${success ? 'success' : 'failure'} of ${this.name(permit)}`);
    return Promise.resolve();
  }

  private name(permit: EgressPermit): string {
    return `#${permit.leaseUntil.getTime()}`;
  }
}

function laneWith(guard: RecordingGuard): EgressLane {
  return new EgressLane(guard as unknown as TokenEndpointGuard);
}

afterEach(() => {
  vi.useRealTimers();
});

describe(EgressLane.name, () => {
  it('hands a success to the next admission and records a failure at once', async () => {
    const guard = new RecordingGuard();
    const lane = laneWith(guard);

    const first = await lane.acquire(SWEEP_CALL);
    await lane.recordOutcome(true, first);
    const second = await lane.acquire(SWEEP_CALL);
    await lane.recordOutcome(false, second);
    await lane.settle();

    expect(guard.calls).toEqual(['acquire after nothing', 'acquire after #1', 'failure of #2']);
  });

  it('counts a success as recorded when its hand-over was refused, and keeps it when the statement failed', async () => {
    const guard = new RecordingGuard();
    const lane = laneWith(guard);
    await lane.recordOutcome(true, await lane.acquire(SWEEP_CALL));
    guard.failNextAcquire = new BudgetExhaustedError(10);
    await expect(lane.acquire(SWEEP_CALL)).rejects.toBeInstanceOf(BudgetExhaustedError);
    await lane.recordOutcome(true, await lane.acquire(SWEEP_CALL));
    guard.failNextAcquire = new Error('Connection terminated');
    await expect(lane.acquire(SWEEP_CALL)).rejects.toThrow('Connection terminated');

    await lane.settle();

    expect(guard.calls).toEqual([
      'acquire after nothing',
      'acquire after #1', // refused: the statement recorded #1 all the same
      'acquire after nothing',
      'acquire after #2', // failed: #2 may not have been recorded
      'success of #2',
    ]);
  });

  it('records a held success on its own after a second without a next call, before any later decision', async () => {
    vi.useFakeTimers();
    const guard = new RecordingGuard();
    const lane = laneWith(guard);
    await lane.recordOutcome(true, await lane.acquire(SWEEP_CALL));

    await vi.advanceTimersByTimeAsync(999);
    const before = [...guard.calls];
    await vi.advanceTimersByTimeAsync(1);
    await lane.acquire(SWEEP_CALL);
    await lane.settle();

    expect(before).toEqual(['acquire after nothing']);
    expect(guard.calls).toEqual(['acquire after nothing', 'success of #1', 'acquire after nothing']);
  });
});
