import { describe, expect, it } from 'vitest';
import { nextAttemptAfter } from './retry-schedule.js';

const t0 = new Date('2026-12-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe(nextAttemptAfter.name, () => {
  it('waits about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then 10 h again', () => {
    const mid = () => 0.5;
    const delays = [1, 2, 3, 4, 5, 6, 7].map(
      (n) => (nextAttemptAfter(n, t0, t0, mid)?.getTime() ?? 0) - t0.getTime(),
    );
    expect(delays).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
  });

  it('jitters each delay within ±10 %', () => {
    expect(nextAttemptAfter(1, t0, t0, () => 0)?.getTime()).toBe(at(4_500).getTime());
    expect(nextAttemptAfter(1, t0, t0, () => 1)?.getTime()).toBe(at(5_500).getTime());
  });

  it('gives up once the next attempt would come more than three days after the event', () => {
    const late = at(3 * 86_400_000 - 3_600_000);
    expect(nextAttemptAfter(9, t0, late, () => 0.5)).toBeNull();
    expect(nextAttemptAfter(1, t0, late, () => 0.5)).not.toBeNull();
  });
});
